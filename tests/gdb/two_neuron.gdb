# The README's walk-through: stop in tanh's backward step, look at the node, see who called,
# finish, and print the graph being back-propagated.
break autograd::tanh_backward
run
print out
print *out.inputs[0]
up
finish
print *this
backprop-graph *this 8
