#pragma once
// A chunked HTTP/1.1 response body, decoded as it arrives (trailers and chunk
// extensions ignored): enough for an SSE stream read through nginx.
#include <algorithm>
#include <string>
#include <string_view>

namespace herald_test {

// The body of a chunked response, as it arrives: nginx streams SSE to a
// HTTP/1.1 client chunked, and when the upstream's stream ends (a node
// stopped) it ends the response with the last chunk but keeps the connection
// open for the next request. EventSource then reconnects; so must this.
class ChunkedBody {
public:
    // Appends the payload of `bytes` to `out`; false once the last chunk came.
    bool feed(std::string_view bytes, std::string& out) {
        for (std::size_t i = 0; i < bytes.size();) {
            if (left_ > 0) { // chunk data
                const std::size_t n = std::min(left_, bytes.size() - i);
                out.append(bytes.substr(i, n));
                left_ -= n;
                i += n;
                continue;
            }
            line_ += bytes[i++];
            if (line_.size() < 2 || line_.compare(line_.size() - 2, 2, "\r\n") != 0)
                continue;
            if (line_ == "\r\n") { // the CRLF after a chunk's data
                line_.clear();
                continue;
            }
            const std::size_t size = std::stoul(line_, nullptr, 16); // extensions ignored
            line_.clear();
            if (size == 0)
                return false;
            left_ = size;
        }
        return true;
    }

private:
    std::string line_;
    std::size_t left_ = 0;
};

} // namespace herald_test
