#pragma once
// For tests of bad input: the call must throw io::InputError naming what is wrong.

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "io/input_error.hpp"

// Checks that `call` throws io::InputError whose message contains every one of `parts`.
template <class Call>
void check_refused(const Call& call, const std::vector<std::string>& parts) {
  try {
    call();
    BOOST_ERROR("accepted; expected a message with: " << parts.front());
  } catch (const io::InputError& error) {
    const std::string message = error.what();
    for (const std::string& part : parts) BOOST_TEST(message.find(part) != std::string::npos, message);
  }
}
