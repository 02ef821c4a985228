// What the client subcommands share: the server URL and output flags, URL
// encoding, and one call to Ferry's API that prints the server's error.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace ferry::cli {

using Json = nlohmann::json;

struct ClientFlags {
  std::string url = "http://127.0.0.1:5000";
  std::string user;  // sent as X-Ferry-User; default $USER
  bool json = false;
};

// Percent-encodes everything but unreserved characters (one path segment).
std::string Encode(const std::string& text);

// Calls the API; on failure prints the server's error to stderr and
// returns nullopt.
std::optional<Json> Call(const ClientFlags& flags, const std::string& method,
                         const std::string& target, const Json& body = nullptr);

// The same with a raw body and answer (CSV uploads, HTML reports).
std::optional<std::string> CallRaw(const ClientFlags& flags, const std::string& method, const std::string& target,
                                   std::string body, const std::string& content_type);

// `ferry monitor …` (monitor_commands.cc).
void AddMonitorCommands(CLI::App& app, std::shared_ptr<ClientFlags> flags, int& rc);
// `ferry monitor performance` and `ferry monitor alerts …` (alert_commands.cc).
void AddAlertCommands(CLI::App& monitor, std::shared_ptr<ClientFlags> flags, int& rc);
// `ferry models …` and `ferry webhooks …` (model_commands.cc).
void AddModelCommands(CLI::App& app, std::shared_ptr<ClientFlags> flags, int& rc);
void AddWebhookCommands(CLI::App& app, std::shared_ptr<ClientFlags> flags, int& rc);
// `ferry deploy …` (deploy_commands.cc).
void AddDeployCommands(CLI::App& app, std::shared_ptr<ClientFlags> flags, int& rc);
// `ferry pipeline apply|list|start|runs|status|logs|cancel|resume`, added to
// the `pipeline` command (pipeline_remote_commands.cc).
void AddPipelineRemoteCommands(CLI::App& pipeline, std::shared_ptr<ClientFlags> flags, int& rc);
// `ferry datasets register|list|versions|show|diff` (dataset_commands.cc).
void AddDatasetCommands(CLI::App& app, std::shared_ptr<ClientFlags> flags, int& rc);
// `ferry predict` (predict_command.cc).
void AddPredictCommand(CLI::App& app, std::shared_ptr<ClientFlags> flags, int& rc);

}  // namespace ferry::cli
