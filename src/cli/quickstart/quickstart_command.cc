#include "cli/quickstart/quickstart.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <thread>

#include "cli/quickstart/quickstart_files.h"
#include "cli/quickstart/quickstart_internal.h"
#include "core/http_client.h"
#include "core/subprocess.h"

namespace ferry::cli {
namespace {

namespace fs = std::filesystem;
using quickstart::CreditRow;
using quickstart::CreditScenario;
using quickstart::Session;

struct Flags {
  std::string dir = "ferry-quickstart";
  int port = 5000;
  int window_s = 5;
  size_t rows = 12000;
  bool exit = false, worse = false;
};

std::atomic<pid_t> server_group{0};

// Ctrl-C or SIGTERM stops the server (its own process group); the quickstart
// then ends where it is.
void WatchSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    int sig = 0;
    sigwait(&set, &sig);
    if (pid_t g = server_group.load(); g > 0) ::kill(-g, SIGTERM);
  }).detach();
}

// A file the quickstart wrote, whole ("" when it cannot be read).
std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Fixed(double v, int digits = 3) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << v;
  return out.str();
}

class Quickstart {
 public:
  explicit Quickstart(Flags f) : f_(std::move(f)) {}
  int Run();

 private:
  Status StartServer();
  Status WriteData();
  Status TrainFirst();
  Status WatchCalm();
  Status Shift();
  Status Conclude();
  void Summary() const;
  Result<Json> WaitForRun(const std::string& pipeline, int timeout_s);
  Result<double> FreshAuc(int64_t version);
  Result<int64_t> Champion();
  Status Write(const std::string& name, const std::vector<CreditRow>& rows, bool label);

  Flags f_;
  Session s_;
  std::unique_ptr<Subprocess> server_;
  std::vector<CreditRow> calm_live_, shifted_live_, train_v2_;
  std::string train_run_, retrain_run_;
  int64_t challenger_ = 0, champion_after_ = 0;
  double champion_auc_ = 0, challenger_auc_ = 0;
};

Status Quickstart::StartServer() {
  s_.dir = fs::absolute(f_.dir);
  s_.workspace = s_.dir / "workspace";
  if (fs::exists(s_.dir / "data")) {
    return FailedPrecondition(s_.dir.string() + " holds an earlier quickstart: remove it or pass --dir");
  }
  fs::create_directories(s_.workspace / "data");
  std::error_code ec;
  std::string self = fs::read_symlink("/proc/self/exe", ec).string();
  SpawnOptions spawn;
  spawn.argv = {self, "server", "--port", std::to_string(f_.port), "--grpc-port", "-1", "--data-dir",
                (s_.dir / "data").string(), "--monitor-interval", "1", "--monitor-window",
                std::to_string(f_.window_s), "--quiet"};
  spawn.output_path = (s_.dir / "server.log").string();
  ASSIGN_OR_RETURN(server_, Subprocess::Spawn(spawn));
  server_group = server_->pid();
  s_.url = "http://127.0.0.1:" + std::to_string(f_.port);
  s_.api.url = s_.url;
  s_.api.user = "quickstart";
  for (int i = 0; i < 300; ++i) {
    auto r = HttpSend({"GET", s_.url + "/readyz", "", {}, std::chrono::seconds(1)});
    if (r.ok() && r->status == 200) {
      s_.Say("server up at " + s_.url + " (SQLite and files in " + (s_.dir / "data").string() + ")");
      return Status::Ok();
    }
    if (server_->WaitUntil(std::chrono::steady_clock::now() + std::chrono::milliseconds(100))) {
      return Unavailable("the server exited at start (is port " + std::to_string(f_.port) +
                         " taken? --port picks another); its log: " + spawn.output_path);
    }
  }
  return Unavailable("the server did not become ready; its log: " + spawn.output_path);
}

Status Quickstart::Write(const std::string& name, const std::vector<CreditRow>& rows, bool label) {
  return quickstart::WriteCreditCsv((s_.workspace / "data" / name).string(), rows, label);
}

Status Quickstart::WriteData() {
  CreditScenario calm, shifted{-0.5, 0.25, 0.3, 1.0};
  RETURN_IF_ERROR(Write("credit-train-v1.csv", quickstart::GenerateCredit(f_.rows, 1, calm), true));
  RETURN_IF_ERROR(Write("credit-holdout-v1.csv", quickstart::GenerateCredit(f_.rows / 3, 2, calm), true));
  RETURN_IF_ERROR(Write("reference-v1.csv", quickstart::GenerateCredit(f_.rows, 1, calm), false));
  calm_live_ = quickstart::GenerateCredit(800, 3, calm);
  shifted_live_ = quickstart::GenerateCredit(800, 4, shifted);
  train_v2_ = quickstart::GenerateCredit(f_.rows, 5, shifted);
  RETURN_IF_ERROR(Write("credit-train-v2.csv", train_v2_, true));
  RETURN_IF_ERROR(Write("credit-fresh-v2.csv", quickstart::GenerateCredit(f_.rows / 3, 6, shifted), true));
  RETURN_IF_ERROR(Write("reference-v2.csv", train_v2_, false));
  for (auto [name, text] : {std::pair{"credit-train.yaml", quickstart::TrainPipeline()},
                            {"credit-retrain.yaml", quickstart::RetrainPipeline(f_.worse)},
                            {"gate.yaml", quickstart::GatePolicy()},
                            {"alerts.yaml", quickstart::AlertRules()}}) {
    std::ofstream(s_.workspace / name) << text;
  }
  ASSIGN_OR_RETURN(Json ds, s_.Call("POST", "/api/v1/datasets",
                                    {{"name", "credit"},
                                     {"path", (s_.workspace / "data" / "credit-train-v1.csv").string()},
                                     {"description", "loan applications, calm months"}}));
  s_.Say("generated " + std::to_string(f_.rows) + " loan applications; registered dataset credit v1 (sha256 " +
         ds["dataset"].value("digest", "").substr(0, 12) + "...)");
  return Status::Ok();
}

Result<Json> Quickstart::WaitForRun(const std::string& pipeline, int timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    ASSIGN_OR_RETURN(Json runs, s_.Call("GET", "/api/v1/pipelines/" + pipeline + "/runs?limit=1"));
    if (!runs["runs"].empty()) {
      const Json& run = runs["runs"][0];
      std::string state = run.value("state", "");
      if (state != "queued" && state != "running") return run;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return Unavailable("no run of " + pipeline + " ended within " + std::to_string(timeout_s) + " s");
}

Status Quickstart::TrainFirst() {
  RETURN_IF_ERROR(s_.Call("POST", "/api/2.0/mlflow/registered-models/create", {{"name", "credit"}}).status());
  RETURN_IF_ERROR(s_.Call("PUT", "/api/v1/models/credit/gate", {{"policy", quickstart::GatePolicy()}}).status());
  for (const char* file : {"credit-train.yaml", "credit-retrain.yaml"}) {
    RETURN_IF_ERROR(s_.Call("PUT", "/api/v1/pipelines", {{"yaml", ReadText(s_.workspace / file)},
                                                         {"workspace", s_.workspace.string()}})
                        .status());
  }
  s_.Say("applied pipelines credit-train and credit-retrain; gate: a challenger needs fresh_auc +0.005 over the champion");
  RETURN_IF_ERROR(s_.Call("POST", "/api/v1/pipelines/credit-train/runs", Json::object()).status());
  ASSIGN_OR_RETURN(Json run, WaitForRun("credit-train", 300));
  train_run_ = run.value("run_id", "");
  if (run.value("state", "") != "succeeded") return Internal("credit-train " + run.value("state", "") + ": " + run.value("error", ""));
  ASSIGN_OR_RETURN(double auc, FreshAuc(1));
  s_.Say("credit-train: validated, swept 3 XGBoost configs as nested runs, registered credit v1, held-out AUC " +
         Fixed(auc) + ", promoted to champion, serving as credit-api");
  s_.Link("pipeline run", "/api/v1/pipeline-runs/" + train_run_);
  return Status::Ok();
}

Result<double> Quickstart::FreshAuc(int64_t version) {
  ASSIGN_OR_RETURN(Json mv, s_.Call("GET", "/api/2.0/mlflow/model-versions/get?name=credit&version=" +
                                               std::to_string(version)));
  ASSIGN_OR_RETURN(Json run, s_.Call("GET", "/api/2.0/mlflow/runs/get?run_id=" +
                                                mv["model_version"].value("run_id", "")));
  for (const Json& m : run["run"]["data"].value("metrics", Json::array())) {
    if (m.value("key", "") == "fresh_auc") return m.value("value", 0.0);
  }
  return NotFound("version " + std::to_string(version) + " has no fresh_auc");
}

Result<int64_t> Quickstart::Champion() {
  ASSIGN_OR_RETURN(Json m, s_.Call("GET", "/api/2.0/mlflow/registered-models/get?name=credit"));
  for (const Json& a : m["registered_model"].value("aliases", Json::array())) {
    if (a.value("alias", "") == "champion") return std::stoll(a.value("version", "0"));
  }
  return NotFound("credit has no champion");
}

Status Quickstart::WatchCalm() {
  if (!CallRaw(s_.api, "PUT", "/api/v1/models/credit/versions/1/reference",
               ReadText(s_.workspace / "data" / "reference-v1.csv"), "text/csv")) {
    return Unavailable("setting the reference failed");
  }
  if (!CallRaw(s_.api, "PUT", "/api/v1/alerts/rules", ReadText(s_.workspace / "alerts.yaml"), "application/yaml")) {
    return Unavailable("setting the alert rules failed");
  }
  quickstart::WaitForNextWindow(f_.window_s);
  ASSIGN_OR_RETURN(quickstart::Sent sent, quickstart::SendTraffic(s_, "credit-api", calm_live_, 50));
  RETURN_IF_ERROR(quickstart::LogLabels(s_, "credit-api", sent, calm_live_));
  s_.Say("sent " + std::to_string(calm_live_.size()) + " calm applications to credit-api (" +
         std::to_string(sent.prediction_ids.size()) + " requests) and their outcomes as labels; alert rules: income "
         "drift (PSI > 0.2) starts credit-retrain");
  return Status::Ok();
}

Status Quickstart::Shift() {
  ASSIGN_OR_RETURN(Json ds, s_.Call("POST", "/api/v1/datasets",
                                    {{"name", "credit"},
                                     {"path", (s_.workspace / "data" / "credit-train-v2.csv").string()},
                                     {"description", "loan applications, recent months, labelled"}}));
  s_.Say("the world shifts: incomes fall, utilization rises, defaults follow a new pattern; recent labelled data "
         "registered as dataset credit v" + std::to_string(ds["dataset"].value("version", 0)));
  quickstart::WaitForNextWindow(f_.window_s);
  ASSIGN_OR_RETURN(quickstart::Sent sent, quickstart::SendTraffic(s_, "credit-api", shifted_live_, 50));
  RETURN_IF_ERROR(quickstart::LogLabels(s_, "credit-api", sent, shifted_live_));
  s_.Say("sent " + std::to_string(shifted_live_.size()) + " shifted applications; waiting for the drift alert");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (true) {
    ASSIGN_OR_RETURN(Json runs, s_.Call("GET", "/api/v1/pipelines/credit-retrain/runs?limit=1"));
    if (!runs["runs"].empty()) break;
    if (std::chrono::steady_clock::now() > deadline) return Unavailable("the drift alert did not start credit-retrain");
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSIGN_OR_RETURN(Json history, s_.Call("GET", "/api/v1/alerts/history?rule=credit-income-drift&limit=1"));
  double psi = history["events"].empty() ? 0 : history["events"][0].value("value", 0.0);
  s_.Say("alert credit-income-drift fired (PSI of income " + Fixed(psi, 2) + "); it started credit-retrain");
  ASSIGN_OR_RETURN(Json run, WaitForRun("credit-retrain", 300));
  retrain_run_ = run.value("run_id", "");
  for (const Json& step : run["steps"]) {
    if (step.value("step", "") == "register" && step.value("state", "") == "succeeded") {
      std::ifstream in(step["outputs"].value("version", ""));
      Json v = Json::parse(in, nullptr, false);
      if (!v.is_discarded()) challenger_ = v.value("version", int64_t{0});
    }
  }
  if (challenger_ == 0) return Internal("credit-retrain registered no challenger: " + run.value("error", ""));
  ASSIGN_OR_RETURN(champion_auc_, FreshAuc(1));
  ASSIGN_OR_RETURN(challenger_auc_, FreshAuc(challenger_));
  s_.Say("credit-retrain: trained challenger credit v" + std::to_string(challenger_) +
         " on the recent data, shadowed it, canaried it at 20%; on fresh labelled data AUC champion v1 " +
         Fixed(champion_auc_) + ", challenger " + Fixed(challenger_auc_));
  return Status::Ok();
}

Status Quickstart::Conclude() {
  ASSIGN_OR_RETURN(champion_after_, Champion());
  // The rollout is over either way: the deployment serves the champion alone.
  RETURN_IF_ERROR(s_.Call("PUT", "/api/v1/deployments/credit-api", {{"name", "credit-api"}, {"model", "credit@champion"}})
                      .status());
  bool promoted = champion_after_ == challenger_;
  if (promoted) {
    CallRaw(s_.api, "PUT", "/api/v1/models/credit/versions/" + std::to_string(challenger_) + "/reference",
            ReadText(s_.workspace / "data" / "reference-v2.csv"), "text/csv");
    s_.Say("the gate passed: champion moved to v" + std::to_string(challenger_) +
           ", credit-api reloaded it; canary and shadow removed");
  } else {
    s_.Say("the gate refused v" + std::to_string(challenger_) + " (fresh AUC " + Fixed(challenger_auc_) + " vs " +
           Fixed(champion_auc_) + "): champion stays v" + std::to_string(champion_after_) +
           "; canary and shadow rolled back");
  }
  // Requests are served by the champion after the reload.
  std::vector<int64_t> seen;
  for (int i = 0; i < 40; ++i) {
    ASSIGN_OR_RETURN(quickstart::Sent sent, quickstart::SendTraffic(s_, "credit-api", shifted_live_, 400));
    seen = sent.versions;
    if (std::all_of(seen.begin(), seen.end(), [&](int64_t v) { return v == champion_after_; })) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  s_.Say("credit-api answers with version " + std::to_string(seen.empty() ? 0 : seen.back()));
  bool expected = f_.worse ? !promoted : promoted;
  if (!expected) {
    return Internal(f_.worse ? "the worse challenger was promoted: the gate did not hold"
                             : "the retrained challenger was not promoted");
  }
  return Status::Ok();
}

void Quickstart::Summary() const {
  s_.Say(std::string("done: the loop ran ") + (f_.worse ? "and the gate held" : "end to end") + ". Explore:");
  s_.Link("datasets diff  ", "/api/v1/datasets/credit/diff?a=1&b=2&format=text");
  s_.Link("training run   ", "/api/v1/pipeline-runs/" + train_run_);
  s_.Link("retraining run ", "/api/v1/pipeline-runs/" + retrain_run_);
  s_.Link("model + aliases", "/api/2.0/mlflow/registered-models/get?name=credit");
  s_.Link("lineage        ", "/api/v1/models/credit/versions/" + std::to_string(challenger_) + "/lineage");
  s_.Link("audit trail    ", "/api/v1/models/credit/events");
  s_.Link("deployment     ", "/api/v1/deployments/credit-api");
  s_.Link("drift          ", "/api/v1/deployments/credit-api/drift");
  s_.Link("performance    ", "/api/v1/deployments/credit-api/performance");
  s_.Link("alerts         ", "/api/v1/alerts/history");
  s_.Link("metrics        ", "/metrics");
  std::cout << "           mlflow client: MLFLOW_TRACKING_URI=" << s_.url << "; files in " << s_.workspace.string()
            << "\n";
}

int Quickstart::Run() {
  WatchSignals();
  Status st = StartServer();
  for (auto phase : {&Quickstart::WriteData, &Quickstart::TrainFirst, &Quickstart::WatchCalm, &Quickstart::Shift,
                     &Quickstart::Conclude}) {
    if (!st.ok()) break;
    st = (this->*phase)();
  }
  if (!st.ok()) {
    std::cerr << "quickstart: " << st.message() << "\n";
    if (server_) std::cerr << "server log: " << (s_.dir / "server.log").string() << "\n";
    if (server_) server_->Terminate(std::chrono::seconds(10));
    return 1;
  }
  Summary();
  if (f_.exit) {
    server_->Terminate(std::chrono::seconds(10));
    return 0;
  }
  std::cout << "\nThe server keeps running at " << s_.url << " (Ctrl-C stops it).\n" << std::flush;
  server_->WaitUntil(std::chrono::steady_clock::time_point::max());
  return 0;
}

}  // namespace

void AddQuickstartCommand(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("quickstart", "The whole loop on this machine: data, training sweep, gate, "
                                                   "serving, monitoring, drift, retraining, promotion");
  cmd->add_option("--dir", f->dir, "Where the server's data and the workspace go")->capture_default_str();
  cmd->add_option("--port", f->port, "The server's port")->capture_default_str()->check(CLI::Range(1, 65535));
  cmd->add_option("--rows", f->rows, "Training rows per dataset version")->capture_default_str()->check(
      CLI::Range(2000, 1000000));
  cmd->add_option("--window", f->window_s, "Seconds per monitoring window")->capture_default_str()->check(
      CLI::Range(2, 60));
  cmd->add_flag("--exit", f->exit, "Stop the server at the end");
  cmd->add_flag("--worse-challenger", f->worse, "Retrain a deliberately weak challenger: the gate must refuse it");
  cmd->callback([f, &exit_code] { exit_code = Quickstart(*f).Run(); });
}

}  // namespace ferry::cli
