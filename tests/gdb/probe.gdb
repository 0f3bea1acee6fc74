break stop_here
run
up
print h
print x
print W
print loss
backprop-graph loss
backprop-graph h
