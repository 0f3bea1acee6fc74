// nn::Rng: the same numbers for the same seed on every platform.

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <vector>

#include "nn/random.hpp"

BOOST_AUTO_TEST_SUITE(rng)

BOOST_AUTO_TEST_CASE(sequence_is_the_standard_mt19937_64) {
  // The C++ standard fixes the 10000th output of mt19937_64 seeded with 5489:
  // 9981545732273789042. uniform() keeps its top 53 bits.
  nn::Rng rng(5489);
  for (int i = 0; i < 9999; ++i) rng.uniform();
  const double expected = static_cast<double>(9981545732273789042ULL >> 11) * 0x1.0p-53;
  BOOST_TEST(rng.uniform() == expected);
}

BOOST_AUTO_TEST_CASE(same_seed_same_numbers_and_ranges_hold) {
  nn::Rng a(3), b(3), c(4);
  bool any_differs = false;
  for (int i = 0; i < 1000; ++i) {
    const double x = a.uniform(-2.0, 0.5);
    BOOST_TEST(x == b.uniform(-2.0, 0.5));
    BOOST_TEST((x >= -2.0 && x < 0.5));
    any_differs = any_differs || x != c.uniform(-2.0, 0.5);
  }
  BOOST_TEST(any_differs);
}

BOOST_AUTO_TEST_CASE(below_covers_every_value_evenly) {
  nn::Rng rng(11);
  std::vector<int> counts(10, 0);
  for (int i = 0; i < 100000; ++i) ++counts[rng.below(10)];
  for (int count : counts) BOOST_TEST((count > 9500 && count < 10500), "count " << count);
  BOOST_CHECK_THROW(rng.below(0), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
