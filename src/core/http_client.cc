#include "core/http_client.h"

#include <boost/asio.hpp>
#include <boost/beast.hpp>

namespace ferry {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

struct Target {
  std::string host, port, hostport, path;
};

Result<Target> ParseUrl(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    return InvalidArgument("URL must start with http:// (got '" + url.substr(0, 200) + "')");
  }
  Target t;
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find_first_of("/?");
  t.hostport = rest.substr(0, slash);
  t.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (t.path[0] == '?') t.path = "/" + t.path;
  size_t colon = t.hostport.rfind(':');
  t.host = t.hostport.substr(0, colon);
  t.port = colon == std::string::npos ? "80" : t.hostport.substr(colon + 1);
  if (t.host.empty()) return InvalidArgument("URL has no host: '" + url.substr(0, 200) + "'");
  return t;
}

}  // namespace

// Async operations on one io_context run for at most the timeout, so a
// server that accepts and never answers cannot hold the caller.
Result<HttpReply> HttpSend(const HttpCallSpec& spec) {
  ASSIGN_OR_RETURN(Target target, ParseUrl(spec.url));
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  http::request<http::string_body> req(http::string_to_verb(spec.method), target.path, 11);
  req.set(http::field::host, target.hostport);
  req.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : spec.headers) req.set(name, value);
  req.body() = spec.body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ull << 30);
  beast::error_code failure;
  bool done = false;
  resolver.async_resolve(target.host, target.port, [&](beast::error_code ec, auto results) {
    if (ec) return void(failure = ec);
    stream.async_connect(results, [&](beast::error_code ec, auto) {
      if (ec) return void(failure = ec);
      http::async_write(stream, req, [&](beast::error_code ec, size_t) {
        if (ec) return void(failure = ec);
        http::async_read(stream, buffer, parser, [&](beast::error_code ec, size_t) {
          if (ec) return void(failure = ec);
          done = true;
        });
      });
    });
  });
  ioc.run_for(spec.timeout);
  if (!done) {
    std::string why = failure ? failure.message() : "no answer within " +
                                                        std::to_string(spec.timeout.count()) + " ms";
    return Unavailable("cannot reach " + spec.url.substr(0, 200) + ": " + why);
  }
  beast::error_code ignored;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  HttpReply reply{static_cast<int>(parser.get().result_int()), std::move(parser.get().body()), {}};
  for (const auto& field : parser.get()) {
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return reply;
}

std::string HttpReply::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, beast::string_view(name.data(), name.size()))) return v;
  }
  return "";
}

}  // namespace ferry
