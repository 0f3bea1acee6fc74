#pragma once
// Views of a scalar graph for people: a text dump and a Graphviz DOT file.

#include <ostream>
#include <string>

#include "autograd/value.hpp"

namespace autograd {

// One line per node, inputs before the nodes that use them, numbered in that order, e.g.
//   #7  tanh  o  data=0.707107  grad=1  <- #6
std::string dump_graph(const Value& root);

// dump_graph(root) on standard output; meant to be called from a debugger:
//   (gdb) call autograd::print_graph(loss)
void print_graph(const Value& root);

// `text` with the characters DOT treats specially inside a record label escaped.
std::string dot_record_escape(const std::string& text);

// The opening line and defaults of the DOT files both engines write: laid out top to bottom,
// one record per node.
extern const char* const dot_graph_header;

// A node's title in a DOT record: "label = op", or whichever of the two it has, escaped.
std::string dot_node_title(const std::string& label, const std::string& op);

// The graph in Graphviz DOT: one record per value, "label = op | data | grad", and an edge
// from each input. Render with `dot -Tsvg graph.dot -o graph.svg`.
void write_dot(const Value& root, std::ostream& out);

// write_dot into `path`, written to a temporary file first and renamed, so an interrupted run
// never leaves half a file. Throws std::runtime_error naming the path on failure.
void write_dot_file(const Value& root, const std::string& path);

}  // namespace autograd
