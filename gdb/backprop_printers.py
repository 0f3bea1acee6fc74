# GDB pretty-printers and commands for backprop's two engines.
#
# Loaded automatically for the project's binaries (a .debug_gdb_scripts entry names this file)
# once gdb trusts the folder:  gdb -iex "add-auto-load-safe-path /path/to/backprop" PROGRAM
# or by hand:                  (gdb) source /path/to/backprop/gdb/backprop_printers.py
#
#   print v              Value(label=h1, op=tanh, data=0.7616, grad=-0.42) and its inputs
#   print *v.node_       the same for a node
#   print t              Tensor(label=W1, op=leaf, shape=(784x16), data=[...], grad=[...])
#   backprop-graph v [N] the graph behind a Value or Tensor, inputs first (at most N nodes)
#
# Every read is guarded: uninitialised or freed objects print as <unreadable> instead of
# stopping gdb.

import gdb
import gdb.printing

ELEMENTS_SHOWN = 6


def _op_name(op):
    """'tanh' from autograd::Op::tanh."""
    text = str(op)
    return text.split("::")[-1]


def _number(value):
    try:
        return "%.6g" % float(value)
    except (gdb.error, ValueError, TypeError):
        return "<unreadable>"


def _c_string(pointer):
    try:
        if int(pointer) == 0:
            return ""
        return pointer.string(errors="replace")  # up to the terminating NUL
    except gdb.error:
        return "<unreadable>"


# ---------------------------------------------------------------- the scalar engine

def _scalar_node_text(node):
    try:
        label = _c_string(node["label"])
        text = "op=%s, data=%s, grad=%s" % (_op_name(node["op"]), _number(node["data"]), _number(node["grad"]))
        if _op_name(node["op"]) == "pow":
            text += ", exponent=%s" % _number(node["exponent"])
        return ("label=%s, " % label if label else "") + text
    except gdb.error:
        return "<unreadable>"


def _scalar_inputs(node):
    """(name, node) for each input of a scalar node."""
    try:
        for i in range(2):
            pointer = node["inputs"][i]
            if int(pointer) != 0:
                yield ("input %d" % i, pointer.dereference())
    except gdb.error:
        return


def _one_level(inputs, describe):
    """Children shown as one line each: printing a graph's whole depth would never end."""
    for name, node in inputs:
        yield (name, "Node(%s)" % describe(node))


class ValuePrinter:
    """autograd::Value: the handle, shown as the node it refers to."""

    def __init__(self, value):
        self.value = value

    def _node(self):
        pointer = self.value["node_"]
        return None if int(pointer) == 0 else pointer.dereference()

    def to_string(self):
        try:
            node = self._node()
        except gdb.error:
            return "Value(<unreadable>)"
        if node is None:
            return "Value(empty: moved from)"
        return "Value(%s)" % _scalar_node_text(node)

    def children(self):
        try:
            node = self._node()
        except gdb.error:
            return iter(())
        return iter(()) if node is None else _one_level(_scalar_inputs(node), _scalar_node_text)


class ScalarNodePrinter:
    """autograd::Node."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        return "Node(%s)" % _scalar_node_text(self.value)

    def children(self):
        return _one_level(_scalar_inputs(self.value), _scalar_node_text)


# ---------------------------------------------------------------- the tensor engine

def _xtensor_shape_and_elements(array, count):
    """((rows, cols), [first `count` elements]) of an xt::xtensor<T, 2>."""
    shape = array["m_shape"]["_M_elems"]
    rows, cols = int(shape[0]), int(shape[1])
    begin = array["m_storage"]["p_begin"]
    size = rows * cols
    shown = [float((begin + i).dereference()) for i in range(min(size, count))] if int(begin) != 0 else []
    return (rows, cols), shown, size


def _elements_text(array):
    try:
        (rows, cols), shown, size = _xtensor_shape_and_elements(array, ELEMENTS_SHOWN)
    except gdb.error:
        return "<unreadable>"
    if size == 0:
        return "[]"
    return "[" + ", ".join("%.6g" % x for x in shown) + (", ..." if size > len(shown) else "") + "]"


def _shared_ptr_target(pointer):
    """The object a std::shared_ptr points at, or None."""
    raw = pointer["_M_ptr"]
    return None if int(raw) == 0 else raw.dereference()


def _tensor_node_text(node):
    try:
        (rows, cols), _, _ = _xtensor_shape_and_elements(node["data"], 0)
        label = node["label"].format_string().strip('"') if node["label"] else ""
        text = "op=%s, shape=(%dx%d), data=%s, grad=%s" % (
            _op_name(node["op"]), rows, cols, _elements_text(node["data"]), _elements_text(node["grad"]))
        return ("label=%s, " % label if label else "") + text
    except gdb.error:
        return "<unreadable>"


def _tensor_inputs(node):
    try:
        for i in range(2):
            target = _shared_ptr_target(node["inputs"][i])
            if target is not None:
                yield ("input %d" % i, target)
    except gdb.error:
        return


class TensorPrinter:
    """tensor::Tensor<T>: the handle, shown as its node."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        try:
            node = _shared_ptr_target(self.value["node_"])
        except gdb.error:
            return "Tensor(<unreadable>)"
        return "Tensor(empty)" if node is None else "Tensor(%s)" % _tensor_node_text(node)

    def children(self):
        try:
            node = _shared_ptr_target(self.value["node_"])
        except gdb.error:
            return iter(())
        return iter(()) if node is None else _one_level(_tensor_inputs(node), _tensor_node_text)


class TensorNodePrinter:
    """tensor::Node<T>."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        return "Node(%s)" % _tensor_node_text(self.value)

    def children(self):
        return _one_level(_tensor_inputs(self.value), _tensor_node_text)


def build_printers():
    printers = gdb.printing.RegexpCollectionPrettyPrinter("backprop")
    printers.add_printer("autograd::Value", "^autograd::Value$", ValuePrinter)
    printers.add_printer("autograd::Node", "^autograd::Node$", ScalarNodePrinter)
    printers.add_printer("tensor::Tensor", "^tensor::Tensor<.*>$", TensorPrinter)
    printers.add_printer("tensor::Node", "^tensor::Node<.*>$", TensorNodePrinter)
    return printers


# ---------------------------------------------------------------- backprop-graph

class GraphCommand(gdb.Command):
    """Print the graph behind a Value or Tensor, inputs first: backprop-graph EXPRESSION [MAX_NODES]

Each line is one node: its number, op, label, data and grad (or shape for tensors) and the
numbers of its inputs -- the same form as autograd::dump_graph. At most MAX_NODES nodes
(default 200) are listed; the walk itself is iterative, so deep graphs are fine."""

    def __init__(self):
        super().__init__("backprop-graph", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def invoke(self, argument, from_tty):
        parts = gdb.string_to_argv(argument)
        if not parts:
            raise gdb.GdbError("usage: backprop-graph EXPRESSION [MAX_NODES]")
        limit = int(parts[1]) if len(parts) > 1 else 200
        value = gdb.parse_and_eval(parts[0])
        type_name = str(value.type.strip_typedefs().unqualified())
        if type_name.endswith("*"):
            value = value.dereference()
            type_name = str(value.type.strip_typedefs().unqualified())
        if type_name == "autograd::Value":
            root, inputs_of, describe = value["node_"].dereference(), _scalar_inputs, _scalar_node_text
        elif type_name == "autograd::Node":
            root, inputs_of, describe = value, _scalar_inputs, _scalar_node_text
        elif type_name.startswith("tensor::Tensor<"):
            root, inputs_of, describe = _shared_ptr_target(value["node_"]), _tensor_inputs, _tensor_node_text
        elif type_name.startswith("tensor::Node<"):
            root, inputs_of, describe = value, _tensor_inputs, _tensor_node_text
        else:
            raise gdb.GdbError("backprop-graph: %s is not a Value, Tensor or node" % type_name)

        # Depth-first post-order with an explicit stack: inputs before the nodes that use them.
        order, number, seen = [], {}, set()
        stack = [(root, False)]
        while stack and len(order) < limit:
            node, expanded = stack.pop()
            key = int(node.address)
            if expanded:
                number[key] = len(order)
                order.append(node)
                continue
            if key in seen:
                continue
            seen.add(key)
            stack.append((node, True))
            for _, child in reversed(list(inputs_of(node))):
                if int(child.address) not in seen:
                    stack.append((child, False))
        for node in order:
            inputs = " ".join("#%d" % number[int(c.address)] for _, c in inputs_of(node) if int(c.address) in number)
            gdb.write("#%d  %s%s\n" % (number[int(node.address)], describe(node), ("  <- " + inputs) if inputs else ""))
        if len(order) >= limit:
            gdb.write("(stopped after %d nodes; give a larger MAX_NODES for more)\n" % limit)


gdb.printing.register_pretty_printer(gdb.current_objfile(), build_printers(), replace=True)
GraphCommand()
