#pragma once
// Bad input from outside the program -- a missing, truncated or malformed file -- as opposed to
// a bug. Messages name the file and what is wrong with it; the tools exit with code 2.

#include <stdexcept>
#include <string>

namespace io {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws InputError("<where>: <what>").
[[noreturn]] inline void input_error(const std::string& where, const std::string& what) {
  throw InputError(where + ": " + what);
}

}  // namespace io
