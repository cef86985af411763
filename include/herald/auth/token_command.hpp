#pragma once
// `herald token --sub 42 --channels 'room:*' --ttl 1h [config flags]`: prints
// a token signed with the configured key, for development and tests.
#include <string>
#include <vector>

namespace herald::auth {

// argv[0] is "token". Returns the process exit code (0, 1 signing failed, 2 usage).
int run_token_command(int argc, const char* const* argv,
                      const std::vector<std::string>& environment);

} // namespace herald::auth
