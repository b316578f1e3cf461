// The error every decoder returns: what was wrong, naming the message.
#pragma once

#include <string>

namespace tandem::pgwire {

struct ProtocolError {
  std::string message;
};

}  // namespace tandem::pgwire
