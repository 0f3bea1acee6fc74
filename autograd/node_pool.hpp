#pragma once
// Allocation and release of graph nodes (internal to the engine).

#include <cstddef>
#include <string_view>

#include "autograd/node.hpp"
#include "autograd/value.hpp"  // retain, release

namespace autograd::detail {

// A new, default-initialised node (refs = 0).
Node* allocate_node();

// Node slots carved from memory so far, on all threads (each sizeof(Node) bytes); they are
// reused, never returned. For tests and memory reports.
std::size_t allocated_slots();

// Per-thread arrays of free-slot addresses made so far (about 1 MiB of address space each): one
// for each thread that has made or freed nodes at the same time as others; an ended thread's
// goes to the next new thread. For tests.
std::size_t free_slot_arrays();

// A copy of `label` that lives as long as the process, shared by equal labels, so that a node
// can point at it. Labels are few and short (w1, layers.0.weight[3,5]); they are never freed.
const char* intern_label(std::string_view label);

}  // namespace autograd::detail
