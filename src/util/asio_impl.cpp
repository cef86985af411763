// The one translation unit that compiles Asio and Beast (see CMakeLists.txt).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp> // jwks_url's HTTPS client (util/https_get.cpp)
#include <boost/beast/src.hpp>
