#include "autograd/graph_text.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace autograd {
namespace {

// Six significant digits: enough to follow a computation, short enough to scan.
std::string number(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", x);
  return buffer;
}

// Nodes are numbered by their position in the topological order: #0 is the first input, the
// root has the highest number, and numbers stay small whatever else the program has made.
class NodeNumbers {
 public:
  explicit NodeNumbers(const std::vector<Node*>& order) {
    for (std::size_t i = 0; i < order.size(); ++i) numbers_.emplace(order[i], i);
  }
  std::size_t operator[](const Node* node) const { return numbers_.at(node); }

 private:
  std::unordered_map<const Node*, std::size_t> numbers_;
};

}  // namespace

std::string dot_record_escape(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '"' || c == '\\' || c == '{' || c == '}' || c == '|' || c == '<' || c == '>') escaped += '\\';
    escaped += c;
  }
  return escaped;
}

std::string dump_graph(const Value& root) {
  const std::vector<Node*> order = topological_order(root);
  const NodeNumbers numbers(order);
  std::ostringstream out;
  for (const Node* node : order) {
    out << '#' << numbers[node] << "  " << op_name(node->op);
    if (node->op == Op::pow) out << ' ' << number(node->exponent);
    if (node->label[0] != '\0') out << "  " << node->label;
    out << "  data=" << number(node->data) << "  grad=" << number(node->grad);
    if (node->op != Op::leaf) {
      out << "  <-";
      for (int i = 0; i < arity(node->op); ++i) out << " #" << numbers[node->inputs[i]];
    }
    out << '\n';
  }
  return out.str();
}

void print_graph(const Value& root) {
  std::fputs(dump_graph(root).c_str(), stdout);
  std::fflush(stdout);
}

// Top to bottom, one record per node with its op in it: the graph of a small model reads on one
// screen (left to right, with the ops as nodes of their own, the two-neuron step was a
// 5772 x 427 strip).
const char* const dot_graph_header =
    "digraph backprop {\n  rankdir=TB;\n  ranksep=0.25;\n  nodesep=0.15;\n"
    "  node [shape=record, fontname=\"Helvetica\", fontsize=10, height=0.3];\n";

std::string dot_node_title(const std::string& label, const std::string& op) {
  std::string escaped = dot_record_escape(label);
  if (op.empty()) return escaped;
  return escaped.empty() ? op : escaped + " = " + op;
}

void write_dot(const Value& root, std::ostream& out) {
  out << dot_graph_header;
  const std::vector<Node*> order = topological_order(root);
  const NodeNumbers numbers(order);
  for (const Node* node : order) {
    std::string op;
    if (node->op != Op::leaf) op = op_name(node->op);
    if (node->op == Op::pow) op += " " + number(node->exponent);
    out << "  n" << numbers[node] << " [label=\"" << dot_node_title(node->label, op) << " | data " << number(node->data)
        << " | grad " << number(node->grad) << "\"];\n";
    for (int i = 0; i < arity(node->op); ++i) {
      out << "  n" << numbers[node->inputs[i]] << " -> n" << numbers[node] << ";\n";
    }
  }
  out << "}\n";
}

void write_dot_file(const Value& root, const std::string& path) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::trunc);
    if (!file) {
      throw std::runtime_error("cannot write DOT file '" + path + "' (through '" + temporary +
                               "'): " + std::strerror(errno));
    }
    write_dot(root, file);
    file.flush();
    if (!file) {
      std::remove(temporary.c_str());
      throw std::runtime_error("error while writing DOT file '" + path + "': " + std::strerror(errno));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    const std::string reason = std::strerror(errno);
    std::remove(temporary.c_str());
    throw std::runtime_error("cannot write DOT file '" + path + "' (renaming '" + temporary + "'): " + reason);
  }
}

}  // namespace autograd
