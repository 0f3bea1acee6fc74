#include "autograd/node_pool.hpp"

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <vector>

namespace autograd::detail {
namespace {

// Nodes are made and freed by the million in a training step, so each thread keeps its own
// free list of node-sized slots carved from large chunks: allocation is a pointer pop, with no
// lock and no call into malloc. Chunks are kept for the life of the process and reused.
//
// A node freed on another thread joins that thread's list. So that slots cannot pile up on one
// thread while another keeps carving new chunks (graphs built on worker threads and freed on
// the main one), a list longer than max_slots_per_thread hands a batch to a shared spare list,
// an empty list takes a batch from there before making a chunk, and a thread hands all its
// slots over when it ends. The limit is high so that a thread reusing its own graphs every
// step (the common case) never touches the shared list.
// (Aligning slots to 64 bytes was measured and made the benchmark ~25% slower, so they are not.)
union Slot {
  Slot* next_free;
  unsigned char storage[sizeof(Node)];
};
static_assert(sizeof(Node) == 64 && sizeof(Slot) == 64, "a node should fill one cache line");

constexpr std::size_t slots_per_chunk = 4096;
constexpr std::size_t slots_per_batch = 4096;                       // moved between a thread and the spare list at once
constexpr std::size_t max_slots_per_thread = std::size_t{1} << 20;  // 64 MiB of free nodes

struct FreeList {
  Slot* head = nullptr;
  std::size_t length = 0;
};

// All chunks and the spare batches, shared by every thread. Deliberately never destroyed:
// Values in static storage may be released after ordinary static destructors have run, and
// keeping the chunks reachable keeps leak checkers quiet.
struct PoolRegistry {
  std::mutex mutex;
  std::vector<Slot*> chunks;
  std::vector<FreeList> spare_batches;
  std::vector<FreeList*> thread_lists;  // every thread's list, kept reachable after the thread ends
};

PoolRegistry& registry() {
  static auto* instance = new PoolRegistry;
  return *instance;
}

// This thread's free list. A plain pointer (no destructor), so frees during static destruction
// still find it; the lists themselves are never deleted.
thread_local FreeList* this_thread_list = nullptr;

void give_to_spares(FreeList batch) {
  if (batch.length == 0) return;
  PoolRegistry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  reg.spare_batches.push_back(batch);
}

// Hands the thread's slots to the spare list when the thread ends.
struct ReturnSlotsAtThreadExit {
  ~ReturnSlotsAtThreadExit() {
    if (this_thread_list == nullptr) return;
    give_to_spares(*this_thread_list);
    *this_thread_list = FreeList{};
  }
};
thread_local ReturnSlotsAtThreadExit return_slots_at_thread_exit;

// Makes this thread's list; kept out of line so that the fast path below stays small.
[[gnu::noinline]] FreeList& make_thread_list() {
  (void)&return_slots_at_thread_exit;  // constructs it, so that it runs at thread exit
  this_thread_list = new FreeList;
  PoolRegistry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  reg.thread_lists.push_back(this_thread_list);
  return *this_thread_list;
}

inline FreeList& free_list() { return this_thread_list != nullptr ? *this_thread_list : make_thread_list(); }

// Refills an empty list: a spare batch if there is one, else a new chunk.
void refill(FreeList& list) {
  PoolRegistry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  if (!reg.spare_batches.empty()) {
    list = reg.spare_batches.back();
    reg.spare_batches.pop_back();
    return;
  }
  auto* chunk = new Slot[slots_per_chunk];
  for (std::size_t i = 0; i + 1 < slots_per_chunk; ++i) chunk[i].next_free = &chunk[i + 1];
  chunk[slots_per_chunk - 1].next_free = nullptr;
  reg.chunks.push_back(chunk);
  list = FreeList{chunk, slots_per_chunk};
}

static_assert(std::is_trivially_destructible_v<Node>, "free_node does not run destructors");

void free_node(Node* node) {
  FreeList& list = free_list();
  auto* slot = reinterpret_cast<Slot*>(node);
  slot->next_free = list.head;
  list.head = slot;
  if (++list.length <= max_slots_per_thread) return;
  // Too many on this thread: the first batch of the list goes to the spares.
  Slot* last = list.head;
  for (std::size_t i = 1; i < slots_per_batch; ++i) last = last->next_free;
  FreeList batch{list.head, slots_per_batch};
  Slot* const rest = last->next_free;
  last->next_free = nullptr;
  try {
    give_to_spares(batch);
  } catch (const std::bad_alloc&) {  // no memory for the spare list's entry: keep the slots here
    last->next_free = rest;
    return;
  }
  list.head = rest;
  list.length -= slots_per_batch;
}

}  // namespace

Node* allocate_node() {
  FreeList& list = free_list();
  if (list.head == nullptr) refill(list);
  Slot* slot = list.head;
  list.head = slot->next_free;
  --list.length;
  return new (slot->storage) Node;
}

// Freeing a graph must not allocate: it runs in destructors, also while an exception -- a
// std::bad_alloc, when memory ran out building the graph -- unwinds, where a throw would end the
// program. So the nodes still to be freed are kept in a stack linked through the nodes
// themselves: a dead node's `visit` field (which nothing reads once its last reference is gone)
// holds the next one.
void push_dead(Node*& stack, Node* node) {
  node->visit = reinterpret_cast<std::uintptr_t>(stack);
  stack = node;
}
Node* pop_dead(Node*& stack) {
  Node* node = stack;
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the pointer push_dead stored in this field
  if (node != nullptr) stack = reinterpret_cast<Node*>(static_cast<std::uintptr_t>(node->visit));
  return node;
}

void free_unreferenced(Node* node) noexcept {
  // Free `node`, then whichever of its inputs lost their last reference. Following one input
  // in a loop handles chains; `pending` holds the second input of a binary node when both
  // became free.
  Node* pending = nullptr;
  Node* current = node;
  while (current != nullptr) {
    Node* next = nullptr;
    for (Node* input : current->inputs) {
      if (input == nullptr || --input->refs != 0) continue;
      if (next == nullptr) {
        next = input;
      } else {
        push_dead(pending, input);
      }
    }
    free_node(current);
    current = next != nullptr ? next : pop_dead(pending);
  }
}

std::size_t allocated_slots() {
  PoolRegistry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  return reg.chunks.size() * slots_per_chunk;
}

const char* intern_label(std::string_view label) {
  if (label.empty()) return "";
  // Never destroyed, like the pools: nodes in static storage may outlive ordinary statics.
  static auto* labels = new std::unordered_set<std::string>;
  static auto* mutex = new std::mutex;
  std::lock_guard<std::mutex> lock(*mutex);
  return labels->emplace(label).first->c_str();
}

}  // namespace autograd::detail
