// Assertions on std::expected results whose message names the error. REQUIRE_MESSAGE(x.has_value(),
// x.error()) is not safe: doctest also evaluates the message of a passing assertion (for -s and
// for the failure context), and error() on an expected that holds a value is undefined behaviour.
// These read the error only when there is one.
#pragma once

#include <doctest/doctest.h>

// Stops the test case when `x` holds no value; the message (a doctest stream expression, such as
// "reading: " << x.error()) is evaluated only then.
#define REQUIRE_VALUE(x, ...) \
  do {                        \
    if (!(x).has_value()) {   \
      FAIL(__VA_ARGS__);      \
    }                         \
  } while (false)

// The same, but the test case goes on.
#define CHECK_VALUE(x, ...)    \
  do {                         \
    if (!(x).has_value()) {    \
      FAIL_CHECK(__VA_ARGS__); \
    }                          \
  } while (false)
