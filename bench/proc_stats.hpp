#pragma once
// Figures read from /proc: a process's RSS and CPU time, the kernel's TCP
// socket accounting, and the file-descriptor limit.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

namespace bench {

struct TcpSockstat {
    std::int64_t inuse = 0, orphan = 0, tw = 0, alloc = 0, mem_pages = 0;
    nlohmann::json to_json(long page_size) const;
};

std::optional<std::int64_t> rss_kb(int pid); // VmRSS of /proc/<pid>/status; 0 = self
std::optional<double> cpu_seconds(int pid);  // utime + stime of /proc/<pid>/stat
// Sums over several processes (nginx master + workers, ...); nullopt when the
// list is empty or any of them is gone (a partial sum would mislead).
std::optional<std::int64_t> rss_kb(const std::vector<int>& pids);
std::optional<double> cpu_seconds(const std::vector<int>& pids);
std::optional<TcpSockstat> tcp_sockstat(); // the "TCP:" line of /proc/net/sockstat
long page_size();
// Bytes in use (active objects × object size) of the slab caches that every
// socket costs the kernel: TCP, sock_inode_cache, filp, dentry, eventpoll_epi.
// Null when /proc/slabinfo is not readable.
nlohmann::json socket_slab_bytes();
nlohmann::json load_average(); // /proc/loadavg: 1, 5, 15 minutes
// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
std::uint64_t raise_nofile_limit();

} // namespace bench
