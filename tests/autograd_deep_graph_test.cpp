// Graphs far deeper and larger than a recursive engine survives. ctest runs this suite with a
// 1 MiB stack (see tests/CMakeLists.txt), so any recursion over the graph's depth -- in the
// topological sort, in backward or in teardown -- fails here even in an optimised build.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <new>
#include <thread>
#include <vector>

#include "autograd/node_pool.hpp"
#include "autograd/value.hpp"
#include "finite_difference.hpp"
#include "nn/random.hpp"

using autograd::Value;

BOOST_AUTO_TEST_SUITE(deep_graphs)

BOOST_AUTO_TEST_CASE(million_node_chain_backpropagates_and_is_destroyed) {
  constexpr int length = 1'000'000;
  Value x(0.5, "x");
  {
    Value y = x;
    for (int i = 0; i < length; ++i) y = y + x;  // y = (length + 1) x, a chain `length` deep
    BOOST_TEST(y.data() == 0.5 * (length + 1));
    y.backward();
    BOOST_TEST(x.grad() == static_cast<double>(length + 1));
  }  // the chain is freed here, one node at a time
  BOOST_TEST(x.data() == 0.5);
}

BOOST_AUTO_TEST_CASE(million_node_unary_chain) {
  Value x(-2.0, "x");
  Value y = x;
  for (int i = 0; i < 1'000'000; ++i) y = -y;
  y.backward();
  BOOST_TEST(y.data() == -2.0);
  BOOST_TEST(x.grad() == 1.0);
  zero_grad(y);
  BOOST_TEST(x.grad() == 0.0);
}

BOOST_AUTO_TEST_CASE(wide_balanced_tree_is_summed_and_freed) {
  // 2^20 leaves summed pairwise: teardown frees both inputs of every node.
  std::vector<Value> level;
  level.reserve(1 << 20);
  for (int i = 0; i < (1 << 20); ++i) level.emplace_back(static_cast<double>(i % 7));
  const std::vector<Value> leaves = level;
  while (level.size() > 1) {
    std::vector<Value> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) next.push_back(level[i] + level[i + 1]);
    level.swap(next);
  }
  level[0].backward();
  double expected_sum = 0;
  for (int i = 0; i < (1 << 20); ++i) expected_sum += i % 7;
  BOOST_TEST(level[0].data() == expected_sum);
  for (std::size_t i = 0; i < leaves.size(); i += 4099) BOOST_TEST(leaves[i].grad() == 1.0);
}

BOOST_AUTO_TEST_CASE(a_sum_of_products_made_again_takes_the_same_slots_in_the_same_order) {
  // Teardown frees a neuron's chain act = act + w * x in the reverse of the order it was made,
  // so that the next step's chain, taking slots in the reverse order of their freeing, lies in
  // memory as the last one did: walked in long runs rather than scattered a little more each step.
  constexpr int terms = 2000;
  std::vector<Value> w, x;
  for (int i = 0; i < terms; ++i) {
    w.emplace_back(0.001 * i);
    x.emplace_back(1.0 - 0.001 * i);
  }
  const Value bias(0.5);
  auto make_chain = [&](std::vector<const autograd::Node*>& made) {
    made.clear();
    Value act = bias;
    for (int i = 0; i < terms; ++i) {
      const Value product = w[i] * x[i];
      act = act + product;
      made.push_back(product.node());
      made.push_back(act.node());
    }
    return act;
  };
  std::vector<const autograd::Node*> first, second;
  make_chain(first);  // freed at once
  make_chain(second);
  BOOST_TEST(first.size() == second.size());
  int moved = 0;
  for (std::size_t k = 0; k < first.size(); ++k) moved += first[k] != second[k] ? 1 : 0;
  BOOST_TEST(moved == 0, moved << " of " << first.size() << " nodes took another slot");
}

BOOST_AUTO_TEST_CASE(graphs_built_on_other_threads_reuse_freed_memory) {
  // Each round builds a 300,000-node graph on a new thread and frees it here, on the main
  // thread. Freed slots must flow back to where they are needed instead of piling up here.
  auto build_on_thread = [] {
    Value result;
    std::thread worker([&result] {
      Value x(1.0);
      Value y = x;
      for (int i = 0; i < 150'000; ++i) y = y * 1.0;
      result = y;
    });
    worker.join();
    return result;
  };
  for (int round = 0; round < 6; ++round) build_on_thread();  // until this thread keeps its maximum
  const std::size_t slots_before = autograd::detail::allocated_slots();
  for (int round = 0; round < 20; ++round) {
    const Value graph = build_on_thread();
    BOOST_TEST(graph.data() == 1.0);
  }
  const std::size_t growth = autograd::detail::allocated_slots() - slots_before;
  BOOST_TEST(growth <= 20 * 4096u, "slots grew by " << growth << " over 20 rounds of 300,000 nodes");
}

BOOST_AUTO_TEST_CASE(ended_threads_hand_on_their_slots_even_those_freed_last) {
  // Each thread keeps 100,000 values in a thread_local made before its first node, so they are
  // freed after the thread has handed its slots over; and each thread's array of free-slot
  // addresses goes on to the next thread. Neither slots nor arrays may pile up.
  auto run_a_thread = [] {
    std::thread([] {
      thread_local std::vector<Value> kept;
      kept.reserve(100'000);
      for (int i = 0; i < 100'000; ++i) kept.emplace_back(1.0);
    }).join();
  };
  for (int round = 0; round < 3; ++round) run_a_thread();
  const std::size_t slots_before = autograd::detail::allocated_slots();
  const std::size_t arrays_before = autograd::detail::free_slot_arrays();
  for (int round = 0; round < 20; ++round) run_a_thread();
  const std::size_t slot_growth = autograd::detail::allocated_slots() - slots_before;
  BOOST_TEST(slot_growth <= 2 * 4096u, "slots grew by " << slot_growth << " over 20 threads of 100,000 nodes");
  BOOST_TEST(autograd::detail::free_slot_arrays() - arrays_before <= 1u);
}

// A 784-16-10 tanh network's squared error summed over 250 images: ~6.6 million nodes, a sum
// chain thousands deep per neuron. (Python micrograd stops with RecursionError on this.)
BOOST_AUTO_TEST_CASE(mlp_784_16_10_loss_over_250_images) {
  constexpr int inputs = 784, hidden = 16, outputs = 10, images = 250;
  nn::Rng rng(7);
  std::vector<double> w1(inputs * hidden), b1(hidden), w2(hidden * outputs), b2(outputs);
  for (double& w : w1) w = rng.uniform(-0.08, 0.08);
  for (double& w : b1) w = rng.uniform(-0.1, 0.1);
  for (double& w : w2) w = rng.uniform(-0.5, 0.5);
  for (double& w : b2) w = rng.uniform(-0.1, 0.1);
  std::vector<double> pixels(images * inputs), targets(images * outputs, 0.0);
  for (double& p : pixels) p = rng.uniform();
  for (int n = 0; n < images; ++n) targets[n * outputs + static_cast<int>(rng.below(outputs))] = 1.0;

  // The same loss on plain doubles, as the finite-difference reference.
  auto loss_of = [&](const std::vector<double>& first_layer) {
    double total = 0;
    for (int n = 0; n < images; ++n) {
      double h[hidden];
      for (int j = 0; j < hidden; ++j) {
        double z = b1[j];
        for (int i = 0; i < inputs; ++i) z += first_layer[i * hidden + j] * pixels[n * inputs + i];
        h[j] = std::tanh(z);
      }
      for (int k = 0; k < outputs; ++k) {
        double o = b2[k];
        for (int j = 0; j < hidden; ++j) o += w2[j * outputs + k] * h[j];
        total += (o - targets[n * outputs + k]) * (o - targets[n * outputs + k]);
      }
    }
    return total;
  };

  std::vector<Value> W1(w1.begin(), w1.end()), B1(b1.begin(), b1.end());
  std::vector<Value> W2(w2.begin(), w2.end()), B2(b2.begin(), b2.end());
  Value loss = 0.0;
  for (int n = 0; n < images; ++n) {
    std::vector<Value> h;
    for (int j = 0; j < hidden; ++j) {
      Value z = B1[j];
      for (int i = 0; i < inputs; ++i) z = z + W1[i * hidden + j] * pixels[n * inputs + i];
      h.push_back(tanh(z));
    }
    for (int k = 0; k < outputs; ++k) {
      Value o = B2[k];
      for (int j = 0; j < hidden; ++j) o = o + W2[j * outputs + k] * h[j];
      const Value error = o - targets[n * outputs + k];
      loss = loss + error * error;
    }
  }
  BOOST_TEST(topological_order(loss).size() > 6'000'000u);
  loss.backward();

  BOOST_TEST(testing::close(loss.data(), loss_of(w1), 1e-12));
  for (int index : {0, 4321, inputs * hidden - 1}) {
    auto perturbed = [&](double w) {
      std::vector<double> changed = w1;
      changed[index] = w;
      return loss_of(changed);
    };
    const double expected = testing::central_difference(perturbed, w1[index]);
    BOOST_TEST(testing::close(W1[index].grad(), expected, 1e-6),
               "W1[" << index << "]: " << W1[index].grad() << " vs " << expected);
  }
}

// Address and leak sanitizers reserve terabytes of address space: a memory limit cannot be set
// under them, and they report running out of memory themselves.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool memory_limit_possible = false;
#else
constexpr bool memory_limit_possible = true;
#endif

// Limits this process's address space to what it uses now plus `extra` bytes.
void limit_address_space_to_current_plus(std::size_t extra) {
  rlimit limit{};
  ::getrlimit(RLIMIT_AS, &limit);
  std::size_t in_use = 0;
  if (FILE* status = std::fopen("/proc/self/statm", "r")) {
    unsigned long pages = 0;
    if (std::fscanf(status, "%lu", &pages) == 1) in_use = pages * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::fclose(status);
  }
  limit.rlim_cur = in_use + extra;
  ::setrlimit(RLIMIT_AS, &limit);
}

// Runs `child` in a forked process and returns how it ended: its exit code, or -signal.
template <class Child>
int run_in_child(Child&& child) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1000;
  if (pid == 0) ::_exit(child());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

BOOST_AUTO_TEST_CASE(a_thread_with_no_memory_for_free_slots_of_its_own_still_frees_a_graph) {
  if (!memory_limit_possible) {
    BOOST_TEST_MESSAGE("skipped: a memory limit cannot be set under the sanitizers");
    return;
  }
  // A thread frees a graph it did not build, so it needs free slots of its own, and there is no
  // memory for them: the nodes must go to the shared loose slots, not end the program (freeing
  // runs in destructors and cannot throw). In a child process, with threads first taking every
  // ended thread's array, so that the freeing thread would need a new one.
  const int ended = run_in_child([] {
    std::atomic<bool> finish{false};
    std::atomic<int> holding{0};
    std::vector<std::thread> holders;
    const std::size_t arrays_before = autograd::detail::free_slot_arrays();
    while (autograd::detail::free_slot_arrays() == arrays_before) {
      holders.emplace_back([&] {
        const Value held(1.0);  // takes an array: an ended thread's while there is one
        ++holding;
        while (!finish) std::this_thread::yield();
      });
      while (holding < static_cast<int>(holders.size())) std::this_thread::yield();
    }
    Value graph(0.5);
    for (int i = 0; i < 1000; ++i) graph = graph * 1.0 + 0.0;
    std::atomic<bool> go{false};
    std::thread freeing([&go, doomed = std::move(graph)]() mutable {
      while (!go) std::this_thread::yield();
      const Value last = std::move(doomed);  // freed at the end of this scope: needs free slots here
    });
    const std::size_t arrays = autograd::detail::free_slot_arrays();
    limit_address_space_to_current_plus(0);
    go = true;
    freeing.join();
    finish = true;
    for (std::thread& holder : holders) holder.join();
    return autograd::detail::free_slot_arrays() == arrays ? 42 : 43;  // 43: the limit let it have some
  });
  BOOST_TEST(ended == 42, "the child ended with " << ended << " (negative: by that signal)");
}

BOOST_AUTO_TEST_CASE(running_out_of_memory_mid_graph_throws_bad_alloc_and_frees_the_graph) {
  if (!memory_limit_possible) {
    BOOST_TEST_MESSAGE("skipped: a memory limit cannot be set under the sanitizers");
    return;
  }
  // In a child process limited to 256 MiB more than it uses now: a graph of ever more nodes,
  // each sum fed by two fresh products (so freeing it keeps a stack of dying nodes), until an
  // allocation fails. That std::bad_alloc must reach the catch below with the graph freed on the
  // way -- freeing allocates nothing -- and the child must not abort (exit 134).
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    limit_address_space_to_current_plus(std::size_t{256} << 20);
    try {
      Value total(0.0);
      for (long i = 0;; ++i) total = total + Value(0.5) * Value(static_cast<double>(i % 7));
    } catch (const std::bad_alloc&) {
      ::_exit(42);
    }
    ::_exit(1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  BOOST_TEST(WIFEXITED(status), "the child ended by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
  BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 42), "the child's exit code: " << WEXITSTATUS(status));
}

BOOST_AUTO_TEST_SUITE_END()
