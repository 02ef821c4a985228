// ferry: the MLOps server and its command-line client.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/quickstart/quickstart.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Ferry: experiment tracking (MLflow-compatible), model registry, "
      "serving and monitoring in one binary.\n\n"
      "Start here:\n"
      "  ferry server                  serve on 127.0.0.1:5000, data in ./ferry-data\n"
      "  ferry experiments list        list experiments of a running server\n"
      "  ferry runs search -e 1 --filter \"metrics.rmse < 0.8\"\n\n"
      "Point the mlflow client at it: MLFLOW_TRACKING_URI=http://127.0.0.1:5000",
      "ferry"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ferry 0.1.0");
  int exit_code = 0;
  ferry::cli::AddServerCommand(app, exit_code);
  ferry::cli::AddServeCommand(app, exit_code);
  ferry::cli::AddPipelineCommand(app, exit_code);  // before the client commands, which add to it
  ferry::cli::AddClientCommands(app, exit_code);
  ferry::cli::AddDriftCommand(app, exit_code);
  ferry::cli::AddCheckCommand(app, exit_code);
  ferry::cli::AddStepCommand(app, exit_code);
  ferry::cli::AddQuickstartCommand(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
