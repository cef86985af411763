#include "proc_stats.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace bench {

namespace {
std::string proc_path(int pid, const char* leaf) {
    return "/proc/" + (pid ? std::to_string(pid) : std::string("self")) + "/" + leaf;
}
} // namespace

nlohmann::json TcpSockstat::to_json(long page) const {
    return {{"inuse", inuse}, {"orphan", orphan},       {"tw", tw},
            {"alloc", alloc}, {"mem_pages", mem_pages}, {"mem_bytes", mem_pages * page}};
}

std::optional<std::int64_t> rss_kb(int pid) {
    std::ifstream in(proc_path(pid, "status"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0)
            return std::stoll(line.substr(6)); // "VmRSS:	  12345 kB"
    }
    return std::nullopt;
}

std::optional<double> cpu_seconds(int pid) {
    std::ifstream in(proc_path(pid, "stat"));
    std::string text;
    if (!std::getline(in, text))
        return std::nullopt;
    // The command name may hold spaces and parentheses: fields restart after the last ')'.
    auto close = text.rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; rest >> field; ++i) { // field 3 is the state
        if (i == 14)
            utime = std::stoull(field);
        if (i == 15) {
            stime = std::stoull(field);
            return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
        }
    }
    return std::nullopt;
}

std::optional<std::int64_t> rss_kb(const std::vector<int>& pids) {
    std::int64_t sum = 0;
    for (int pid : pids) {
        auto v = rss_kb(pid);
        if (!v || pid == 0)
            return std::nullopt;
        sum += *v;
    }
    return pids.empty() ? std::nullopt : std::optional(sum);
}

std::optional<double> cpu_seconds(const std::vector<int>& pids) {
    double sum = 0;
    for (int pid : pids) {
        auto v = cpu_seconds(pid);
        if (!v || pid == 0)
            return std::nullopt;
        sum += *v;
    }
    return pids.empty() ? std::nullopt : std::optional(sum);
}

std::optional<TcpSockstat> tcp_sockstat() {
    std::ifstream in("/proc/net/sockstat");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("TCP:", 0) != 0)
            continue;
        std::istringstream words(line.substr(4));
        std::string key;
        std::int64_t value = 0;
        TcpSockstat s;
        while (words >> key >> value) {
            if (key == "inuse")
                s.inuse = value;
            else if (key == "orphan")
                s.orphan = value;
            else if (key == "tw")
                s.tw = value;
            else if (key == "alloc")
                s.alloc = value;
            else if (key == "mem")
                s.mem_pages = value;
        }
        return s;
    }
    return std::nullopt;
}

long page_size() {
    return sysconf(_SC_PAGESIZE);
}

nlohmann::json socket_slab_bytes() {
    static const char* const caches[] = {"TCP", "sock_inode_cache", "filp", "dentry",
                                         "eventpoll_epi"};
    std::ifstream in("/proc/slabinfo");
    if (!in)
        return nullptr;
    nlohmann::json out = nlohmann::json::object();
    std::int64_t total = 0;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string name;
        std::int64_t active = 0, objects = 0, size = 0;
        if (!(words >> name >> active >> objects >> size))
            continue;
        for (const char* c : caches)
            if (name == c) {
                out[name] = active * size;
                total += active * size;
            }
    }
    out["total"] = total;
    return out;
}

nlohmann::json load_average() {
    std::ifstream in("/proc/loadavg");
    double a = 0, b = 0, c = 0;
    if (!(in >> a >> b >> c))
        return nullptr;
    return {a, b, c};
}

std::uint64_t raise_nofile_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
        return 0;
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
        getrlimit(RLIMIT_NOFILE, &lim);
    }
    return lim.rlim_cur;
}

} // namespace bench
