#pragma once
// Allocation and release of graph nodes (internal to the engine).

#include <cstddef>
#include <string_view>

#include "autograd/node.hpp"

namespace autograd::detail {

// A new, default-initialised node (refs = 0).
Node* allocate_node();

// Drops one reference to `node`. When none remain the node is freed, and with it every input
// that no one else references -- iteratively, so a chain of millions of nodes never recurses.
void release(Node* node);

// Adds one reference.
inline void retain(Node* node) { ++node->refs; }

// Node slots carved from memory so far, on all threads (each sizeof(Node) bytes); they are
// reused, never returned. For tests and memory reports.
std::size_t allocated_slots();

// A copy of `label` that lives as long as the process, shared by equal labels, so that a node
// can point at it. Labels are few and short (w1, layers.0.weight[3,5]); they are never freed.
const char* intern_label(std::string_view label);

}  // namespace autograd::detail
