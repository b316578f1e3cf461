// Boost.JSON compiled into this one translation unit (Debian ships it header-only).
#include <boost/json/src.hpp>
