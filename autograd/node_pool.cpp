#include "autograd/node_pool.hpp"

#include <pthread.h>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <vector>

namespace autograd::detail {
namespace {

// Nodes are made and freed by the million in a training step, so each thread keeps its own
// free node-sized slots, carved from large chunks: allocation takes one, with no lock and no
// call into malloc. Chunks are kept for the life of the process and reused.
//
// Free slots are kept by address, in an array, rather than as a list threaded through the
// slots: taking the next address needs no load from the slot before it, so allocation asks for
// the memory of the nodes it will make next while it makes this one. (With a threaded list,
// each allocation waited for the slot it took to say where the next one is.) The array holds
// `loaded_capacity` addresses; beyond that, free slots are packed into magazines -- a free slot
// holding the addresses of up to seven others -- so that freeing never allocates memory.
//
// A node freed on another thread joins that thread's slots. So that slots cannot pile up on one
// thread while another keeps carving new chunks (graphs built on worker threads and freed on
// the main one), a thread with more than max_slots_per_thread hands a batch of magazines to a
// shared spare list, a thread out of slots takes a batch from there before making a chunk, and a
// thread hands all its slots over when it ends. The limit is high so that a thread reusing its
// own graphs every step (the common case) never touches the shared list.
// (Aligning slots to 64 bytes was measured and made the benchmark ~25% slower, so they are not.)
union Slot;

// A free slot holding the addresses of up to seven other free slots (nullptr after the last).
struct Magazine {
  Magazine* next;
  Slot* slots[7];
};

union Slot {
  Magazine magazine;
  unsigned char storage[sizeof(Node)];
};
static_assert(sizeof(Node) == 64 && sizeof(Slot) == 64, "a node should fill one cache line");
static_assert(sizeof(Magazine) == sizeof(Slot), "a magazine fills a slot");

constexpr std::size_t slots_per_chunk = 4096;
constexpr std::size_t slots_per_batch = 4096;                       // moved between a thread and the spare list at once
constexpr std::size_t max_slots_per_thread = std::size_t{1} << 20;  // 64 MiB of free nodes
// Addresses a thread keeps in its array: more than a training step of the benchmark's networks
// frees, so that a step's graph is taken again, in the reverse order of its freeing, without
// going through magazines, whose chain is one wait on memory per eight slots. The array is
// 1 MiB of address space, of which a thread touches only as much as it fills.
constexpr std::size_t loaded_capacity = std::size_t{1} << 17;
constexpr std::size_t magazines_unpacked_at_once = 64;  // into the empty array: up to 512 slots
constexpr std::size_t fetch_distance = 8;               // allocations ahead whose memory is asked for
static_assert(loaded_capacity >= slots_per_chunk, "a new chunk goes straight into the array");
static_assert(loaded_capacity >= 8 * magazines_unpacked_at_once, "unpacked magazines fit the empty array");

// Free slots packed into a chain of magazines; `slots` counts the magazines themselves too.
struct MagazineChain {
  Magazine* head = nullptr;
  std::size_t slots = 0;
};

// One thread's free slots.
struct FreeSlots {
  Slot* loaded[loaded_capacity];  // taken from and returned to the end
  std::size_t loaded_count = 0;
  MagazineChain packed;
  std::size_t size() const { return loaded_count + packed.slots; }
};

// All chunks and the spare batches, shared by every thread. Deliberately never destroyed:
// Values in static storage may be released after ordinary static destructors have run, and
// keeping the chunks reachable keeps leak checkers quiet.
struct PoolRegistry {
  std::mutex mutex;
  std::vector<Slot*> chunks;
  std::vector<MagazineChain> spare_batches;
  MagazineChain loose;                // slots freed by a thread without free slots of its own, one magazine each
  std::vector<FreeSlots*> all_slots;  // every thread's free slots ever made
  // Those of ended threads, emptied, for new threads. Its capacity is kept at least that of
  // all_slots, so that retiring a thread's never allocates.
  std::vector<FreeSlots*> retired_slots;
};

PoolRegistry& registry() {
  static auto* instance = new PoolRegistry;
  return *instance;
}

// This thread's free slots. A plain pointer (no destructor), so frees during static destruction
// still find them; they are never deleted, and are handed to a new thread when this one ends.
thread_local FreeSlots* this_thread_slots = nullptr;
// Whether this thread has handed its slots over, ending: a node it frees after that goes to
// the shared loose slots.
thread_local bool slots_handed_over = false;

void give_to_spares(MagazineChain batch) {
  if (batch.slots == 0) return;
  PoolRegistry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  reg.spare_batches.push_back(batch);
}

// The addresses a magazine holds.
std::size_t held_by(const Magazine& magazine) {
  std::size_t held = 0;
  while (held < 7 && magazine.slots[held] != nullptr) ++held;
  return held;
}

// Packs loaded[from, loaded_count) into magazines: each eighth address becomes a magazine
// holding the (up to) seven after it.
void pack(FreeSlots& free, std::size_t from) {
  for (std::size_t i = from; i < free.loaded_count; i += 8) {
    Magazine& magazine = free.loaded[i]->magazine;
    const std::size_t held = std::min<std::size_t>(7, free.loaded_count - i - 1);
    for (std::size_t k = 0; k < 7; ++k) magazine.slots[k] = k < held ? free.loaded[i + 1 + k] : nullptr;
    magazine.next = free.packed.head;
    free.packed.head = &magazine;
    free.packed.slots += 1 + held;
  }
  free.loaded_count = from;
}

// Unpacks up to magazines_unpacked_at_once magazines into the empty array. The first magazine
// holds the slots freed last; it goes on top, so that slots are taken in the reverse order of
// their freeing, as if the array had never overflowed.
void unpack(FreeSlots& free) {
  Magazine* taken[magazines_unpacked_at_once];
  std::size_t count = 0, slots = 0;
  while (free.packed.head != nullptr && count < magazines_unpacked_at_once) {
    Magazine* magazine = free.packed.head;
    free.packed.head = magazine->next;
    if (free.packed.head != nullptr) __builtin_prefetch(free.packed.head);
    taken[count++] = magazine;
    slots += 1 + held_by(*magazine);
  }
  free.packed.slots -= slots;
  for (std::size_t j = count; j-- > 0;) {  // as pack laid them out
    Magazine& magazine = *taken[j];
    const std::size_t held = held_by(magazine);
    free.loaded[free.loaded_count++] = reinterpret_cast<Slot*>(&magazine);
    for (std::size_t k = 0; k < held; ++k) free.loaded[free.loaded_count++] = magazine.slots[k];
  }
}

// Hands the thread's slots to the spare list, and its emptied array to the next new thread,
// when the thread ends. It is a pthread key's destructor rather than a thread_local's: those
// run after the thread's C++ thread_local destructors, so nodes those free are handed over
// too, and setting the key allocates nothing, where registering a thread_local destructor
// does -- and glibc ends the program when that fails, which a thread freeing a graph with
// memory exhausted must not do.
void return_slots_at_thread_exit(void* slots) {
  auto* free = static_cast<FreeSlots*>(slots);
  pack(*free, 0);
  PoolRegistry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  if (free->packed.slots != 0) {
    try {
      reg.spare_batches.push_back(free->packed);
    } catch (const std::bad_alloc&) {  // no memory for the spare list's entry: the slots stay here
      return;
    }
  }
  free->packed = MagazineChain{};
  reg.retired_slots.push_back(free);  // within its reserved capacity: cannot throw
  this_thread_slots = nullptr;
  slots_handed_over = true;
}

// The key whose destructor hands a thread's slots over. Made once, never deleted.
pthread_key_t thread_exit_key() {
  static const pthread_key_t key = [] {
    pthread_key_t made{};
    if (pthread_key_create(&made, return_slots_at_thread_exit) != 0) throw std::bad_alloc();
    return made;
  }();
  return key;
}

// Gives this thread free slots of its own: an ended thread's, else new ones. Kept out of line
// so that the fast paths below stay small.
[[gnu::noinline]] FreeSlots& make_thread_slots() {
  const pthread_key_t key = thread_exit_key();
  PoolRegistry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  if (reg.retired_slots.empty()) {
    std::unique_ptr<FreeSlots> made(new FreeSlots);  // not value-initialised: pages are touched as used
    reg.retired_slots.reserve(reg.all_slots.size() + 1);
    reg.all_slots.push_back(made.get());
    reg.retired_slots.push_back(made.release());  // within the capacity just reserved; taken below
  }
  // The thread keeps its first keys' values in itself: setting one allocates nothing.
  if (pthread_setspecific(key, reg.retired_slots.back()) != 0) throw std::bad_alloc();
  this_thread_slots = reg.retired_slots.back();
  reg.retired_slots.pop_back();
  return *this_thread_slots;
}

inline FreeSlots& free_slots() { return this_thread_slots != nullptr ? *this_thread_slots : make_thread_slots(); }

// Adds one slot to the shared loose slots, as a magazine holding no others: for a thread that
// has no free slots of its own and cannot have them. Allocates nothing.
void free_loose(Slot* slot) {
  Magazine& magazine = slot->magazine;
  for (Slot*& held : magazine.slots) held = nullptr;
  PoolRegistry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  magazine.next = reg.loose.head;
  reg.loose.head = &magazine;
  ++reg.loose.slots;
}

// Puts a new chunk's slots in the empty array, to be taken from the chunk's start.
void add_chunk(FreeSlots& free, PoolRegistry& reg) {
  auto* chunk = new Slot[slots_per_chunk];
  try {
    reg.chunks.push_back(chunk);
  } catch (...) {
    delete[] chunk;
    throw;
  }
  for (std::size_t i = 0; i < slots_per_chunk; ++i) free.loaded[i] = &chunk[slots_per_chunk - 1 - i];
  free.loaded_count = slots_per_chunk;
}

// Refills the empty array: from the thread's magazines, else a spare batch, else a new chunk.
[[gnu::noinline]] void refill(FreeSlots& free) {
  if (free.packed.head == nullptr) {
    PoolRegistry& reg = registry();
    std::lock_guard<std::mutex> lock(reg.mutex);
    if (!reg.spare_batches.empty()) {
      free.packed = reg.spare_batches.back();
      reg.spare_batches.pop_back();
    } else if (reg.loose.head != nullptr) {
      free.packed = reg.loose;
      reg.loose = MagazineChain{};
    } else {
      add_chunk(free, reg);
      return;
    }
  }
  unpack(free);
}

// Hands about slots_per_batch of the thread's packed slots to the spare list. False when there
// was no memory to list them there: they stay with the thread.
bool shed_a_batch(FreeSlots& free) {
  MagazineChain batch{free.packed.head, 0};
  Magazine* last = free.packed.head;
  for (;;) {
    batch.slots += 1 + held_by(*last);
    if (batch.slots >= slots_per_batch || last->next == nullptr) break;
    last = last->next;
  }
  Magazine* const rest = last->next;
  last->next = nullptr;
  try {
    give_to_spares(batch);
  } catch (const std::bad_alloc&) {
    last->next = rest;
    return false;
  }
  free.packed.head = rest;
  free.packed.slots -= batch.slots;
  return true;
}

static_assert(std::is_trivially_destructible_v<Node>, "free_node does not run destructors");

// This thread's free slots for a node it frees, or nullptr when it has none and can have none:
// it has ended, or there is no memory for them (freeing must not throw).
FreeSlots* free_slots_for_freeing() noexcept {
  if (this_thread_slots != nullptr || slots_handed_over) return this_thread_slots;
  try {
    return &make_thread_slots();
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

// Frees `node` into `free_or_none`, this thread's free slots from free_slots_for_freeing()
// (nullptr: it has none), when their array is full or there are none.
[[gnu::noinline]] void free_node_slowly(FreeSlots* free_or_none, Node* node) {
  if (free_or_none == nullptr) {
    free_loose(reinterpret_cast<Slot*>(node));
    return;
  }
  FreeSlots& free = *free_or_none;
  pack(free, loaded_capacity / 2);
  while (free.size() > max_slots_per_thread && free.packed.head != nullptr) {
    if (!shed_a_batch(free)) break;
  }
  free.loaded[free.loaded_count++] = reinterpret_cast<Slot*>(node);
}

inline void free_node(FreeSlots* free, Node* node) {
  if (free != nullptr && free->loaded_count != loaded_capacity) {
    free->loaded[free->loaded_count++] = reinterpret_cast<Slot*>(node);
  } else {
    free_node_slowly(free, node);
  }
}

}  // namespace

Node* allocate_node() {
  FreeSlots& free = free_slots();
  if (free.loaded_count == 0) refill(free);
  Slot* slot = free.loaded[--free.loaded_count];
  if (free.loaded_count >= fetch_distance) {
    // A node spans two cache lines (slots are not aligned to them): ask for both.
    const unsigned char* later = free.loaded[free.loaded_count - fetch_distance]->storage;
    __builtin_prefetch(later, 1);
    __builtin_prefetch(later + sizeof(Node) - 1, 1);
  }
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
  // in a loop handles chains; `pending` holds the other input of a binary node when both
  // became free.
  //
  // The second input is followed first. It is usually the one made last -- in act + w * x the
  // product is made just before the sum -- so a graph is freed in about the reverse of the
  // order it was made in. Slots are taken again in the reverse order of their freeing, so the
  // next graph made the same way takes the same slots in the same order: it lies in memory in
  // the order it is made, and the walks over it (backward, and this one) move through memory
  // in long runs that the processor fetches ahead. (Following the first input first scrambled
  // the layout a little more at every training step.)
  FreeSlots* const free = free_slots_for_freeing();  // looked up once, not per node
  Node* pending = nullptr;
  Node* current = node;
  while (current != nullptr) {
    Node* next = nullptr;
    for (Node* input : {current->inputs[1], current->inputs[0]}) {
      if (input == nullptr || --input->refs != 0) continue;
      if (next == nullptr) {
        next = input;
      } else {
        push_dead(pending, input);
      }
    }
    free_node(free, current);
    current = next != nullptr ? next : pop_dead(pending);
  }
}

std::size_t allocated_slots() {
  PoolRegistry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  return reg.chunks.size() * slots_per_chunk;
}

std::size_t free_slot_arrays() {
  PoolRegistry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  return reg.all_slots.size();
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
