#pragma once
// Namespace aliases shared by the network code. Asio and Beast are compiled
// once in src/util/asio_impl.cpp (BOOST_*_SEPARATE_COMPILATION).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>

namespace herald {
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;
} // namespace herald
