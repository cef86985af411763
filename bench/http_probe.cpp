#include "http_probe.hpp"

#include <arpa/inet.h>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace bench {

std::optional<std::string> http_get(const std::string& host, std::uint16_t port,
                                    const std::string& path, double timeout_seconds) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return std::nullopt;
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout_seconds);
    tv.tv_usec = static_cast<suseconds_t>((timeout_seconds - tv.tv_sec) * 1e6);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    std::string response;
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        std::string request =
            "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
        if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
            char buf[16384];
            for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;)
                response.append(buf, static_cast<std::size_t>(n));
        }
    }
    close(fd);
    if (response.rfind("HTTP/1.1 200", 0) != 0)
        return std::nullopt;
    auto body = response.find("\r\n\r\n");
    if (body == std::string::npos)
        return std::nullopt;
    return response.substr(body + 4);
}

double metric_value(const std::string& body, const std::string& series) {
    double sum = 0;
    std::istringstream lines(body);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(series, 0) != 0 || line.size() <= series.size())
            continue;
        char next = line[series.size()];
        if (next != ' ' && next != '{')
            continue; // a longer metric name sharing the prefix
        sum += std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
    }
    return sum;
}

nlohmann::json server_connections(const std::string& host, std::uint16_t port) {
    auto body = http_get(host, port, "/healthz");
    if (!body)
        return nullptr;
    auto j = nlohmann::json::parse(*body, nullptr, false);
    if (j.is_discarded() || !j.contains("connections"))
        return nullptr;
    return j["connections"];
}

} // namespace bench
