#include "herald/server/server_info.hpp"

#include <unistd.h>

#include <cstdio>
#include <random>

namespace herald {

std::string generate_node_id() {
    // The hostname tells an operator which machine; the random part keeps two
    // processes on one host (or a restart) apart.
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
        std::snprintf(host, sizeof host, "herald");
    std::random_device rd;
    char suffix[17];
    std::snprintf(suffix, sizeof suffix, "%08x%08x", rd(), rd());
    return std::string(host) + "-" + suffix;
}

} // namespace herald
