#include "herald/util/https_get.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <openssl/ssl.h>

namespace herald {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;

class HttpsGet : public std::enable_shared_from_this<HttpsGet> {
public:
    HttpsGet(net::io_context& context, net::ssl::context& tls, upstream::HttpTarget url,
             std::chrono::milliseconds timeout, std::size_t max_body, HttpsHandler handler)
        : resolver_(context), stream_(context, tls), timer_(context), url_(std::move(url)),
          timeout_(timeout), handler_(std::move(handler)) {
        parser_.body_limit(max_body);
    }

    void start() {
        error_code ec;
        net::ip::make_address(url_.host, ec);
        const bool literal = !ec;
        // SNI names a host, never an address (RFC 6066); servers behind one
        // address pick their certificate by it.
        if (!literal && !SSL_set_tlsext_host_name(stream_.native_handle(), url_.host.c_str()))
            return fail("cannot set the TLS server name");
        stream_.set_verify_mode(net::ssl::verify_peer);
        stream_.set_verify_callback(net::ssl::host_name_verification(url_.host));
        // One deadline for all of it, the resolver included (a stream's own
        // timeout would not cover a name lookup that hangs).
        timer_.expires_after(timeout_);
        timer_.async_wait([weak = weak_from_this()](error_code ec) {
            if (auto self = weak.lock(); self && !ec)
                self->on_timeout();
        });
        do_resolve();
    }

private:
    void do_resolve() {
        resolver_.async_resolve(url_.host, url_.port,
                                [self = shared_from_this()](error_code ec, auto results) {
                                    self->on_resolve(ec, std::move(results));
                                });
    }

    void on_resolve(error_code ec, const tcp::resolver::results_type& results) {
        if (ec)
            return fail("resolve " + url_.host + ": " + ec.message());
        beast::get_lowest_layer(stream_).async_connect(
            results, [self = shared_from_this()](error_code ec, const tcp::endpoint&) {
                self->on_connect(ec);
            });
    }

    void on_connect(error_code ec) {
        if (ec)
            return fail("connect: " + ec.message());
        stream_.async_handshake(net::ssl::stream_base::client,
                                [self = shared_from_this()](error_code ec) { self->on_handshake(ec); });
    }

    void on_handshake(error_code ec) {
        if (ec) // certificate refusals land here, with OpenSSL's reason
            return fail("TLS handshake: " + ec.message());
        request_ = {http::verb::get, url_.target, 11};
        request_.set(http::field::host, url_.host_header);
        request_.set(http::field::user_agent, "herald");
        request_.set(http::field::accept, "application/json");
        http::async_write(stream_, request_,
                          [self = shared_from_this()](error_code ec, std::size_t) {
                              self->on_write(ec);
                          });
    }

    void on_write(error_code ec) {
        if (ec)
            return fail("send: " + ec.message());
        http::async_read(stream_, buffer_, parser_,
                         [self = shared_from_this()](error_code ec, std::size_t) {
                             self->on_read(ec);
                         });
    }

    void on_read(error_code ec) {
        // A body that ends with the connection (HTTP/1.0, no length) over a
        // peer that closes without close_notify: OpenSSL calls that
        // truncation. A cut JWKS is not valid JSON, so it is refused
        // later anyway; a whole one is taken.
        if (ec == net::ssl::error::stream_truncated && parser_.need_eof()) {
            ec = {};
            parser_.put_eof(ec);
        }
        if (ec)
            return fail("response: " + ec.message());
        auto& response = parser_.get();
        finish({response.result_int(), std::move(response.body()), {}});
        // The connection is dropped rather than shut down: nothing more is
        // wanted from it, and a peer that never answers close_notify must
        // not hold it.
        error_code ignored;
        beast::get_lowest_layer(stream_).socket().close(ignored);
    }

    void on_timeout() {
        timed_out_ = true; // the operation in progress fails with "aborted"
        resolver_.cancel();
        error_code ignored;
        beast::get_lowest_layer(stream_).socket().close(ignored);
    }

    void fail(std::string why) {
        if (timed_out_)
            why = "no answer within " + std::to_string(timeout_.count()) + " ms";
        finish({0, {}, std::move(why)});
    }

    void finish(HttpsResult result) {
        timer_.cancel();
        if (handler_)
            std::exchange(handler_, nullptr)(std::move(result));
    }

    tcp::resolver resolver_;
    beast::ssl_stream<beast::tcp_stream> stream_;
    net::steady_timer timer_;
    upstream::HttpTarget url_;
    std::chrono::milliseconds timeout_;
    HttpsHandler handler_;
    http::request<http::empty_body> request_;
    beast::flat_buffer buffer_;
    http::response_parser<http::string_body> parser_;
    bool timed_out_ = false;
};

} // namespace

void https_get(net::io_context& context, net::ssl::context& tls, const upstream::HttpTarget& url,
               std::chrono::milliseconds timeout, std::size_t max_body, HttpsHandler handler) {
    std::make_shared<HttpsGet>(context, tls, url, timeout, max_body, std::move(handler))->start();
}

} // namespace herald
