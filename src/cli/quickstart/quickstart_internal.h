// What the quickstart's files share: the session (server URL, folders, the
// clock it narrates with) and live traffic with its labels. Not for other
// callers.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "cli/api_client.h"
#include "cli/quickstart/credit_data.h"
#include "core/status.h"

namespace ferry::quickstart {

struct Session {
  std::string url;
  cli::ClientFlags api;
  std::filesystem::path dir, workspace;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  void Say(const std::string& text) const;                           // "[  12.3s] text"
  void Link(const std::string& what, const std::string& path) const;  // an indented API link
  Result<cli::Json> Call(const std::string& method, const std::string& path, const cli::Json& body = nullptr) const;
};

struct Sent {
  std::vector<std::string> prediction_ids;  // one per request
  std::vector<size_t> first_row;            // the request's first row in `rows`
  std::vector<double> scores;               // one per row
  std::vector<int64_t> versions;            // the version that answered, per request
};

// Sends `rows` to the deployment's Open Inference Protocol endpoint, `batch`
// rows per request (one FP64 input per feature column).
Result<Sent> SendTraffic(const Session& s, const std::string& deployment, const std::vector<CreditRow>& rows,
                         size_t batch);
// The true outcome of every row sent, as labels for the served predictions.
Status LogLabels(const Session& s, const std::string& deployment, const Sent& sent,
                 const std::vector<CreditRow>& rows);
// Sleeps until just after the next multiple of `window_s` seconds (a fresh
// monitoring window), so one phase's traffic does not share a window with
// the next's.
void WaitForNextWindow(int window_s);

}  // namespace ferry::quickstart
