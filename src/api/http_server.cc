#include "api/http_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <thread>
#include <vector>

#include "api/errors.h"
#include "core/log.h"

namespace ferry::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

Method ToMethod(http::verb verb) {
  switch (verb) {
    case http::verb::get: return Method::kGet;
    case http::verb::head: return Method::kHead;
    case http::verb::post: return Method::kPost;
    case http::verb::put: return Method::kPut;
    case http::verb::patch: return Method::kPatch;
    case http::verb::delete_: return Method::kDelete;
    default: return Method::kOther;
  }
}

// Shared state of one server, owned by HttpServerImpl.
struct ServerContext {
  HttpServerOptions options;
  const Router& router;
  HttpMetrics& metrics;
  net::thread_pool workers;
  std::atomic<int> in_flight{0};
  std::atomic<bool> draining{false};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerContext& ctx)
      : stream_(std::move(socket)), ctx_(ctx) {}

  void Start() {
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this()] { self->ReadHeader(); });
  }

 private:
  void ReadHeader() {
    header_parser_.emplace();
    header_parser_->header_limit(64 * 1024);
    header_parser_->body_limit(ctx_.options.max_stream_bytes);
    stream_.expires_after(ctx_.options.idle_timeout);
    http::async_read_header(
        stream_, buffer_, *header_parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) {
          self->OnHeader(ec);
        });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return Close();
    start_ = Clock::now();
    ++ctx_.in_flight;
    counted_ = true;
    FillRequest(header_parser_->get());
    keep_alive_ = header_parser_->get().keep_alive();
    Router::Match match = ctx_.router.Find(request_);
    route_ = match.route;
    if (!route_) {
      bool wrong_method = match.path_matched;
      HttpResponse r = ErrorResponse(
          {wrong_method ? StatusCode::kInvalidArgument : StatusCode::kNotFound,
           wrong_method ? std::string(MethodName(request_.method)) +
                              " is not allowed on " + request_.path
                        : "No route for " + request_.path},
          ErrorStyleFor(request_.path));
      if (wrong_method) r.status = 405;
      return Reply(std::move(r), /*close=*/true);
    }
    auto length = header_parser_->content_length();
    if (!route_->stream && length && *length > ctx_.options.max_body_bytes) {
      return Reply(TooLarge(), /*close=*/true);
    }
    if (route_->stream) return StartStream();
    ReadBody();
  }

  void FillRequest(const http::request<http::empty_body>& msg) {
    request_ = HttpRequest{};
    request_.method = ToMethod(msg.method());
    request_.target = std::string(msg.target());
    std::string_view target(msg.target().data(), msg.target().size());
    size_t q = target.find('?');
    request_.path = PercentDecode(target.substr(0, q), false);
    if (q != std::string_view::npos) request_.query = ParseQuery(target.substr(q + 1));
    for (const auto& field : msg) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(c));
      request_.headers[name] = std::string(field.value());
    }
  }

  HttpResponse TooLarge() const {
    return ErrorResponse({StatusCode::kPayloadTooLarge,
                          "Request body exceeds the limit of " +
                              std::to_string(ctx_.options.max_body_bytes) + " bytes"},
                         ErrorStyleFor(request_.path));
  }

  void ReadBody() {
    body_parser_.emplace(std::move(*header_parser_));
    body_parser_->body_limit(ctx_.options.max_body_bytes);
    stream_.expires_after(ctx_.options.read_timeout);
    http::async_read(stream_, buffer_, *body_parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->OnBody(ec);
                     });
  }

  void OnBody(beast::error_code ec) {
    if (ec == http::error::body_limit) return Reply(TooLarge(), /*close=*/true);
    if (ec) return Close();
    request_.body = std::move(body_parser_->get().body());
    if (route_->async) return RunAsync();
    RunOnWorker([self = shared_from_this()] {
      return self->route_->handler(self->request_);
    });
  }

  void StartStream() {
    Result<std::unique_ptr<BodySink>> sink = route_->stream(request_);
    if (!sink.ok()) {
      return Reply(ErrorResponse(sink.status(), ErrorStyleFor(request_.path)),
                   /*close=*/true);
    }
    sink_ = std::move(sink).value();
    chunk_.resize(256 * 1024);
    stream_parser_.emplace(std::move(*header_parser_));
    stream_parser_->body_limit(ctx_.options.max_stream_bytes);
    ReadChunk();
  }

  void ReadChunk() {
    auto& body = stream_parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    stream_.expires_after(ctx_.options.read_timeout);
    http::async_read_some(
        stream_, buffer_, *stream_parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) {
          self->OnChunk(ec);
        });
  }

  void OnChunk(beast::error_code ec) {
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return Close();  // the sink is dropped: upload aborted
    size_t got = chunk_.size() - stream_parser_->get().body().size;
    if (got > 0) {
      Status st = sink_->Write(chunk_.data(), got);
      if (!st.ok()) {
        return Reply(ErrorResponse(st, ErrorStyleFor(request_.path)),
                     /*close=*/true);
      }
    }
    if (!stream_parser_->is_done()) return ReadChunk();
    RunOnWorker([self = shared_from_this()] { return self->sink_->Finish(); });
  }

  // Asynchronous routes run here, on the I/O thread, and answer from
  // whichever thread finishes the work.
  void RunAsync() {
    auto self = shared_from_this();
    Responder respond = [self](HttpResponse response) {
      net::post(self->stream_.get_executor(),
                [self, response = std::move(response)]() mutable {
                  self->Reply(std::move(response), false);
                });
    };
    try {
      route_->async(request_, std::move(respond));
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "handler threw", {{"error", e.what()}});
      Reply(ErrorResponse(Internal("internal error"), ErrorStyleFor(request_.path)), true);
    }
  }

  template <typename Fn>
  void RunOnWorker(Fn fn) {
    net::post(ctx_.workers, [self = shared_from_this(), fn = std::move(fn)] {
      HttpResponse response;
      try {
        response = fn();
      } catch (const std::exception& e) {
        Log(LogLevel::kError, "handler threw", {{"error", e.what()}});
        response = ErrorResponse(Internal("internal error"),
                                 ErrorStyleFor(self->request_.path));
      }
      net::post(self->stream_.get_executor(),
                [self, response = std::move(response)]() mutable {
                  self->Reply(std::move(response), false);
                });
    });
  }

  void Reply(HttpResponse response, bool close) {
    bool head = request_.method == Method::kHead;
    bool must_close = close || !keep_alive_ || ctx_.draining.load();
    status_ = response.status;
    if (response.file_path) {
      http::file_body::value_type file;
      beast::error_code ec;
      file.open(response.file_path->c_str(), beast::file_mode::scan, ec);
      if (!ec && head) {  // the file's length, no body
        bytes_out_ = file.size();
        auto res = std::make_shared<http::response<http::empty_body>>(
            http::status(response.status), 11);
        FinishHeaders(*res, response, must_close);
        res->content_length(bytes_out_);
        Observe();
        return Send(res, must_close);
      }
      if (!ec) {
        auto res = std::make_shared<http::response<http::file_body>>(
            http::status(response.status), 11);
        res->body() = std::move(file);
        FinishHeaders(*res, response, must_close);
        res->prepare_payload();
        bytes_out_ = res->body().size();
        Observe();
        return Send(res, must_close);
      }
      response = ErrorResponse(NotFound("artifact file vanished"),
                               ErrorStyleFor(request_.path));
      status_ = response.status;
    }
    bytes_out_ = response.body.size();
    Observe();
    auto res = std::make_shared<http::response<http::string_body>>(
        http::status(response.status), 11);
    if (!head) res->body() = std::move(response.body);
    FinishHeaders(*res, response, must_close);
    res->prepare_payload();
    if (head) res->content_length(bytes_out_);
    Send(res, must_close);
  }

  template <typename Res>
  void FinishHeaders(Res& res, const HttpResponse& response, bool close) {
    res.set(http::field::server, "ferry");
    res.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res.set(name, value);
    res.keep_alive(!close);
  }

  template <typename Res>
  void Send(std::shared_ptr<Res> res, bool close) {
    stream_.expires_after(ctx_.options.read_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, close](
                          beast::error_code ec, size_t) {
                        self->OnWritten(ec, close);
                      });
  }

  void OnWritten(beast::error_code ec, bool close) {
    if (counted_) {
      counted_ = false;
      --ctx_.in_flight;
    }
    if (ec) return Close();
    if (close) return LingerClose();
    sink_.reset();
    body_parser_.reset();
    stream_parser_.reset();
    ReadHeader();
  }

  // Counts the request and writes the access log line (before the write, so
  // a client that reads /metrics right after an answer sees it counted).
  void Observe() {
    double secs = std::chrono::duration<double>(Clock::now() - start_).count();
    std::string route = route_ ? route_->pattern : "unmatched";
    ctx_.metrics.Observe(route, MethodName(request_.method), status_, secs);
    if (ctx_.options.access_log && LogEnabled(LogLevel::kInfo)) {
      Log(LogLevel::kInfo, "request",
          {{"method", std::string(MethodName(request_.method))},
           {"path", request_.path.substr(0, 512)},
           {"status", std::to_string(status_)},
           {"ms", std::to_string(secs * 1000)},
           {"bytes_out", std::to_string(bytes_out_)}});
    }
  }

  // After an answer that ends the connection, the client may still be
  // sending a body we did not read; closing at once would reset the
  // connection and the client could lose the answer. Half-close, then
  // discard what arrives for a short while (nginx's lingering close).
  void LingerClose() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    chunk_.resize(64 * 1024);
    stream_.expires_after(std::chrono::seconds(2));
    Discard();
  }

  void Discard() {
    stream_.async_read_some(
        net::buffer(chunk_),
        [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return self->Close();
          self->Discard();
        });
  }

  void Close() {
    if (counted_) {
      counted_ = false;
      --ctx_.in_flight;
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  ServerContext& ctx_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> body_parser_;
  std::optional<http::request_parser<http::buffer_body>> stream_parser_;
  std::vector<char> chunk_;  // allocated only for streamed bodies
  HttpRequest request_;
  const Route* route_ = nullptr;
  std::unique_ptr<BodySink> sink_;
  Clock::time_point start_;
  bool keep_alive_ = true;
  bool counted_ = false;
  int status_ = 0;
  uint64_t bytes_out_ = 0;
};

class HttpServerImpl final : public HttpServer {
 public:
  HttpServerImpl(HttpServerOptions options, const Router& router,
                 HttpMetrics& metrics)
      : ioc_(options.io_threads),
        ctx_{options, router, metrics,
             net::thread_pool(static_cast<size_t>(options.worker_threads))},
        acceptor_(net::make_strand(ioc_)),
        signals_(ioc_) {}

  ~HttpServerImpl() override {
    ctx_.workers.join();
  }

  Status Listen() {
    beast::error_code ec;
    auto address = net::ip::make_address(ctx_.options.host, ec);
    if (ec) return InvalidArgument("invalid --host '" + ctx_.options.host + "'");
    tcp::endpoint endpoint(address, ctx_.options.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable("cannot listen on " + ctx_.options.host + ":" +
                         std::to_string(ctx_.options.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    return Status::Ok();
  }

  uint16_t port() const override { return port_; }

  void Run() override {
    if (ctx_.options.handle_signals) {
      signals_.add(SIGINT);
      signals_.add(SIGTERM);
      signals_.async_wait([this](beast::error_code ec, int) {
        if (!ec) Shutdown();
      });
    }
    Accept();
    std::vector<std::thread> threads;
    for (int i = 1; i < ctx_.options.io_threads; ++i) {
      threads.emplace_back([this] { ioc_.run(); });
    }
    ioc_.run();
    for (auto& t : threads) t.join();
  }

  void Shutdown() override {
    net::post(ioc_, [this] {
      if (ctx_.draining.exchange(true)) return;
      Log(LogLevel::kInfo, "shutting down: draining in-flight requests");
      beast::error_code ignored;
      acceptor_.close(ignored);
      signals_.cancel(ignored);
      drain_deadline_ = Clock::now() + ctx_.options.drain_timeout;
      WaitForDrain();
    });
  }

 private:
  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           [this](beast::error_code ec, tcp::socket socket) {
                             if (ec) return;  // closed on shutdown
                             beast::error_code ignored;
                             socket.set_option(tcp::no_delay(true), ignored);
                             std::make_shared<Session>(std::move(socket), ctx_)
                                 ->Start();
                             Accept();
                           });
  }

  void WaitForDrain() {
    if (ctx_.in_flight.load() <= 0 || Clock::now() > drain_deadline_) {
      ioc_.stop();
      return;
    }
    drain_timer_ = std::make_unique<net::steady_timer>(ioc_);
    drain_timer_->expires_after(std::chrono::milliseconds(20));
    drain_timer_->async_wait([this](beast::error_code) { WaitForDrain(); });
  }

  net::io_context ioc_;
  ServerContext ctx_;
  tcp::acceptor acceptor_;
  net::signal_set signals_;
  std::unique_ptr<net::steady_timer> drain_timer_;
  Clock::time_point drain_deadline_;
  uint16_t port_ = 0;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Create(HttpServerOptions options,
                                                       const Router& router,
                                                       HttpMetrics& metrics) {
  auto server = std::make_unique<HttpServerImpl>(std::move(options), router, metrics);
  RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace ferry::api
