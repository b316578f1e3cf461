// The integration-test runner: doctest's own main, linked into every integration executable.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
