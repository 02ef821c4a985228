#include "cli/http_client.h"

#include <boost/asio.hpp>
#include <boost/beast.hpp>

namespace ferry::cli {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

Result<HttpReply> HttpCall(const std::string& url, const std::string& method,
                           const std::string& target, const std::string& body,
                           const std::string& user) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    return InvalidArgument("server URL must start with http:// (got '" + url + "')");
  }
  std::string hostport = url.substr(scheme.size());
  if (auto slash = hostport.find('/'); slash != std::string::npos) {
    hostport.resize(slash);
  }
  auto colon = hostport.rfind(':');
  std::string host = hostport.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
  try {
    net::io_context ioc;
    net::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(60));
    stream.connect(resolver.resolve(host, port));
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, hostport);
    req.set(http::field::content_type, "application/json");
    if (!user.empty()) req.set("X-Ferry-User", user);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 30);
    http::read(stream, buffer, parser);
    beast::error_code ignored;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    return HttpReply{static_cast<int>(parser.get().result_int()),
                     std::move(parser.get().body())};
  } catch (const std::exception& e) {
    return Unavailable("cannot reach the Ferry server at " + url + ": " + e.what());
  }
}

}  // namespace ferry::cli
