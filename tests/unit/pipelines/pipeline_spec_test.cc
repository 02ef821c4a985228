#include "pipelines/pipeline_spec.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "util/status_assertions.h"

namespace ferry::pipelines {
namespace {

using Map = std::map<std::string, std::string>;
using Strings = std::vector<std::string>;

using testing_util::FailsWith;

Result<PipelineSpec> Parse(const std::string& yaml) { return ParsePipeline(yaml, {}); }

// A one-step pipeline whose step has `fields` (YAML lines indented 4 spaces).
std::string OneStep(const std::string& fields) {
  return "name: p\nsteps:\n  - name: s\n" + fields;
}

constexpr const char* kFull = R"(name: retrain-fraud
description: Retrain the fraud model
params:
  data: data/train.csv
  max_depth: 4
triggers:
  schedule: "0 3 * * *"
  on:
    - alert: fraud-drift
    - dataset: fraud-train
    - registry: {model: fraud, action: set_alias}
    - registry: fraud
concurrency: cancel
steps:
  - name: validate
    uses: validate
    with: {data: "${params.data}", suite: suite.yaml}
    outputs: {report: report.json}
  - name: train
    run: python train.py --depth ${params.max_depth}
    needs: [validate]
    inputs: [data/train.csv, "${steps.validate.outputs.report}"]
    outputs: {model: model/, metrics: metrics.json}
    params: {lr: 0.1}
    env: {OMP_NUM_THREADS: "1"}
    timeout: 10m
    retries: 2
    retry_delay: 5s
    cache: false
    resources: {cpu: 500m, memory: 4Gi, gpu: 1}
  - name: evaluate
    run: [python, eval.py, "${steps.train.outputs.model}"]
    needs: train
)";

TEST(PipelineSpecTest, FullFileRoundTripsToTheStruct) {
  std::vector<std::string> crons, checked;
  SpecContext context;
  context.check_cron = [&](std::string_view e) {
    crons.emplace_back(e);
    return Status::Ok();
  };
  context.exists = [&](std::string_view p) {
    checked.emplace_back(p);
    return true;
  };
  Result<PipelineSpec> r = ParsePipeline(kFull, context);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const PipelineSpec& p = *r;
  EXPECT_EQ(p.name, "retrain-fraud");
  EXPECT_EQ(p.description, "Retrain the fraud model");
  EXPECT_EQ(p.params, (Map{{"data", "data/train.csv"}, {"max_depth", "4"}}));
  EXPECT_EQ(p.schedule, "0 3 * * *");
  EXPECT_EQ(crons, Strings{"0 3 * * *"});
  EXPECT_EQ(checked, Strings{"data/train.csv"});  // the ${...} input is not a path yet
  ASSERT_EQ(p.on.size(), 4u);
  EXPECT_EQ(p.on[0].kind, "alert");
  EXPECT_EQ(p.on[0].name, "fraud-drift");
  EXPECT_EQ(p.on[1].kind, "dataset");
  EXPECT_EQ(p.on[1].name, "fraud-train");
  EXPECT_EQ(p.on[2].kind, "registry");
  EXPECT_EQ(p.on[2].name, "fraud");
  EXPECT_EQ(p.on[2].action, "set_alias");
  EXPECT_EQ(p.on[3].name, "fraud");
  EXPECT_EQ(p.on[3].action, "");
  EXPECT_EQ(p.concurrency, Concurrency::kCancel);
  ASSERT_EQ(p.steps.size(), 3u);

  const StepSpec& v = p.steps[0];
  EXPECT_EQ(v.name, "validate");
  EXPECT_EQ(v.line, 15);
  EXPECT_EQ(v.uses, "validate");
  EXPECT_EQ(v.with, (Map{{"data", "${params.data}"}, {"suite", "suite.yaml"}}));
  EXPECT_EQ(v.outputs, (Map{{"report", "report.json"}}));
  EXPECT_TRUE(v.shell.empty() && v.argv.empty() && v.needs.empty() && v.inputs.empty());
  EXPECT_FALSE(v.cache);  // no inputs declared
  EXPECT_EQ(v.timeout_ms, 3600000);

  const StepSpec& t = p.steps[1];
  EXPECT_EQ(t.line, 19);
  EXPECT_EQ(t.shell, "python train.py --depth ${params.max_depth}");
  EXPECT_TRUE(t.uses.empty() && t.argv.empty() && t.with.empty());
  EXPECT_EQ(t.needs, Strings{"validate"});
  EXPECT_EQ(t.inputs, (Strings{"data/train.csv", "${steps.validate.outputs.report}"}));
  EXPECT_EQ(t.outputs, (Map{{"model", "model/"}, {"metrics", "metrics.json"}}));
  EXPECT_EQ(t.params, (Map{{"lr", "0.1"}}));
  EXPECT_EQ(t.env, (Map{{"OMP_NUM_THREADS", "1"}}));
  EXPECT_EQ(t.timeout_ms, 600000);
  EXPECT_EQ(t.retries, 2);
  EXPECT_EQ(t.retry_delay_ms, 5000);
  EXPECT_FALSE(t.cache);  // explicit, despite the inputs
  EXPECT_DOUBLE_EQ(t.resources.cpu, 0.5);
  EXPECT_EQ(t.resources.memory_bytes, int64_t{4} << 30);
  EXPECT_EQ(t.resources.gpu, 1);

  const StepSpec& e = p.steps[2];
  EXPECT_EQ(e.line, 31);
  EXPECT_EQ(e.argv, (Strings{"python", "eval.py", "${steps.train.outputs.model}"}));
  EXPECT_TRUE(e.shell.empty());
  EXPECT_EQ(e.needs, Strings{"train"});  // a single name is a one-item list
}

TEST(PipelineSpecTest, DefaultsOfAMinimalFile) {
  Result<PipelineSpec> r = Parse(OneStep("    run: make\n    inputs: [a]\n"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->concurrency, Concurrency::kQueue);
  EXPECT_TRUE(r->description.empty() && r->params.empty() && r->schedule.empty() &&
              r->on.empty());
  const StepSpec& s = r->steps[0];
  EXPECT_EQ(s.timeout_ms, 3600000);
  EXPECT_EQ(s.retries, 0);
  EXPECT_EQ(s.retry_delay_ms, 1000);
  EXPECT_TRUE(s.cache);  // inputs declared
  EXPECT_EQ(s.resources.cpu, 0);
  EXPECT_EQ(s.resources.memory_bytes, 0);
  EXPECT_EQ(s.resources.gpu, 0);
}

TEST(PipelineSpecTest, PipelineToJsonHasEveryField) {
  Result<PipelineSpec> r = Parse(kFull);
  ASSERT_TRUE(r.ok()) << r.status().message();
  nlohmann::json j = PipelineToJson(*r);
  EXPECT_EQ(j["name"], "retrain-fraud");
  EXPECT_EQ(j["concurrency"], "cancel");
  EXPECT_EQ(j["params"]["max_depth"], "4");
  EXPECT_EQ(j["triggers"]["schedule"], "0 3 * * *");
  EXPECT_EQ(
      j["triggers"]["on"][2],
      (nlohmann::json{{"kind", "registry"}, {"name", "fraud"}, {"action", "set_alias"}}));
  EXPECT_EQ(j["steps"][0]["uses"], "validate");
  EXPECT_EQ(j["steps"][0]["with"]["suite"], "suite.yaml");
  EXPECT_EQ(j["steps"][1]["run"], "python train.py --depth ${params.max_depth}");
  EXPECT_EQ(j["steps"][1]["timeout_ms"], 600000);
  EXPECT_EQ(j["steps"][1]["resources"]["memory_bytes"], int64_t{4} << 30);
  EXPECT_EQ(j["steps"][1]["line"], 19);
  EXPECT_EQ(j["steps"][2]["run"],
            (nlohmann::json{"python", "eval.py", "${steps.train.outputs.model}"}));
  EXPECT_FALSE(j["steps"][2].contains("uses"));
}

TEST(PipelineSpecTest, ConcurrencyNames) {
  EXPECT_EQ(ConcurrencyName(Concurrency::kSkip), "skip");
  EXPECT_EQ(ConcurrencyName(Concurrency::kQueue), "queue");
  EXPECT_EQ(ConcurrencyName(Concurrency::kCancel), "cancel");
  Result<PipelineSpec> r = Parse("concurrency: skip\n" + OneStep("    run: x\n"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->concurrency, Concurrency::kSkip);
  EXPECT_TRUE(
      FailsWith(Parse("concurrency: parallel\n" + OneStep("    run: x\n")),
                {"pipeline.yaml line 1: 'concurrency' must be skip, queue or cancel, "
                 "got 'parallel'"}));
}

TEST(PipelineSpecTest, BuiltinStepsAreTheDocumentedOnes) {
  EXPECT_EQ(BuiltinSteps(), (Strings{"validate", "train-xgboost", "evaluate", "gate",
                                     "register", "deploy", "promote"}));
  for (const std::string& b : BuiltinSteps()) {
    EXPECT_TRUE(Parse(OneStep("    uses: " + b + "\n")).ok()) << b;
  }
  EXPECT_TRUE(FailsWith(Parse(OneStep("    uses: train-lightgbm\n")),
                        {"line 4: step 's': 'uses' must be a built-in step (validate, "
                         "train-xgboost, evaluate, gate, register, deploy, promote), got "
                         "'train-lightgbm'"}));
}

TEST(PipelineSpecTest, Durations) {
  struct Case {
    std::string text;
    int64_t ms;
  };
  for (const Case& c :
       {Case{"300", 300000}, Case{"300s", 300000}, Case{"10m", 600000},
        Case{"2h", 7200000}, Case{"7d", 7 * 86400000LL}, Case{"1500ms", 1500}}) {
    Result<PipelineSpec> r = Parse(OneStep("    run: x\n    timeout: " + c.text + "\n"));
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().message();
    EXPECT_EQ(r->steps[0].timeout_ms, c.ms) << c.text;
  }
  EXPECT_TRUE(FailsWith(
      Parse(OneStep("    run: x\n    timeout: 8d\n")),
      {"line 5: step 's': 'timeout' must be more than 0 and at most 7d, got '8d'"}));
  EXPECT_TRUE(FailsWith(Parse(OneStep("    run: x\n    timeout: 0\n")), {"more than 0"}));
  EXPECT_TRUE(FailsWith(Parse(OneStep("    run: x\n    timeout: 99999999999999999d\n")),
                        {"'timeout' must be more than 0 and at most 7d"}));
  EXPECT_TRUE(
      FailsWith(Parse(OneStep("    run: x\n    timeout: 99999999999999999999s\n")),
                {"'timeout' must be a duration"}));
  for (const char* bad : {"10 minutes", "-5s", "+5s", "1.5h", "5w", "[1]", "s"}) {
    EXPECT_TRUE(FailsWith(
        Parse(OneStep("    run: x\n    retry_delay: " + std::string(bad) + "\n")),
        {"line 5: step 's': 'retry_delay' must be a duration like 300, 300s, "
         "10m or 2h"}))
        << bad;
  }
  Result<PipelineSpec> zero = Parse(OneStep("    run: x\n    retry_delay: 0\n"));
  ASSERT_TRUE(zero.ok()) << zero.status().message();
  EXPECT_EQ(zero->steps[0].retry_delay_ms, 0);
  EXPECT_TRUE(
      FailsWith(Parse(OneStep("    run: x\n    retry_delay: 2d\n")), {"at most 1d"}));
}

TEST(PipelineSpecTest, Resources) {
  struct Case {
    std::string yaml;
    double cpu;
    int64_t memory;
  };
  for (const Case& c :
       {Case{"{cpu: 2, memory: 512Mi}", 2, 512 << 20},
        Case{"{cpu: 0.25, memory: 1G}", 0.25, 1000000000},
        Case{"{cpu: \"1500m\", memory: 1000}", 1.5, 1000}, Case{"{memory: 2Ki}", 0, 2048},
        Case{"{memory: 3K}", 0, 3000}, Case{"{memory: 1Ti}", 0, int64_t{1} << 40}}) {
    Result<PipelineSpec> r =
        Parse(OneStep("    run: x\n    resources: " + c.yaml + "\n"));
    ASSERT_TRUE(r.ok()) << c.yaml << ": " << r.status().message();
    EXPECT_DOUBLE_EQ(r->steps[0].resources.cpu, c.cpu) << c.yaml;
    EXPECT_EQ(r->steps[0].resources.memory_bytes, c.memory) << c.yaml;
  }
  struct Bad {
    std::string yaml, want;
  };
  for (const Bad& b :
       {Bad{"{cpu: two}", "'resources.cpu' must be cores like 2, 0.5 or 500m"},
        Bad{"{cpu: -1}", "'resources.cpu' must be cores"},
        Bad{"{cpu: 5000}", "at most 1024"},
        Bad{"{memory: 4GB}", "'resources.memory' must be bytes like 4Gi"},
        Bad{"{memory: 2000Ti}", "at most 1 PiB"},
        Bad{"{gpu: 1.5}", "'resources.gpu' must be an integer from 0 to 64, got '1.5'"},
        Bad{"{disk: 1}",
            "step 's': 'resources': unknown key 'disk' (known: cpu, memory, gpu)"},
        Bad{"4", "'resources' must be a map, got '4'"}}) {
    EXPECT_TRUE(FailsWith(Parse(OneStep("    run: x\n    resources: " + b.yaml + "\n")),
                          {"line 5: ", b.want}))
        << b.yaml;
  }
}

// The example of the issue: a misspelt need names the line and the steps.
TEST(PipelineSpecTest, UnknownNeedNamesLineAndSteps) {
  std::string yaml =
      "name: p\nsteps:\n  - name: validate\n    run: v\n  - name: train\n    run: t\n"
      "    needs:\n      - valdate\n";
  EXPECT_EQ(Parse(yaml).status().message(),
            "pipeline.yaml line 8: step 'train': needs 'valdate', which is not a step "
            "(steps: validate, train)");
  SpecContext context;
  context.file_name = "retrain.yaml";
  EXPECT_TRUE(FailsWith(ParsePipeline(yaml, context), {"retrain.yaml line 8: "}));
}

TEST(PipelineSpecTest, CycleNamesStepsAndLines) {
  std::string yaml =
      "name: p\nsteps:\n  - name: train\n    run: t\n    needs: [evaluate]\n"
      "  - name: evaluate\n    run: e\n    needs: [train]\n";
  EXPECT_EQ(Parse(yaml).status().message(),
            "pipeline.yaml: steps form a cycle: train → evaluate → train (lines 3, 6)");
  EXPECT_EQ(Parse(OneStep("    run: x\n    needs: [s]\n")).status().message(),
            "pipeline.yaml: steps form a cycle: s → s (line 3)");
}

TEST(PipelineSpecTest, StructuralErrorsNameTheLine) {
  struct Case {
    std::string yaml, want;
  };
  const std::string two =
      "name: p\nsteps:\n  - name: a\n    run: x\n  - name: a\n    run: y\n";
  for (const Case& c : {
           Case{"name: p\nsteps: []\n",
                "pipeline.yaml line 2: 'steps' is empty: a pipeline needs at least one "
                "step"},
           Case{"name: p\nsteps:\n",
                "pipeline.yaml line 2: 'steps' must be a list, got nothing"},
           Case{"name: p\n", "pipeline.yaml: missing 'steps'"},
           Case{"steps:\n  - name: a\n    run: x\n", "pipeline.yaml: missing 'name'"},
           Case{"name: p\nowner: me\n" + OneStep("    run: x\n").substr(8),
                "pipeline.yaml line 2: unknown key 'owner' (known: name, description, "
                "params, "
                "triggers, concurrency, steps)"},
           Case{OneStep("    run: x\n    retry: 3\n"),
                "pipeline.yaml line 5: step 's': unknown key 'retry' (known: name, run, "
                "uses, "
                "with, needs, inputs, outputs, params, env, timeout, retry_delay, "
                "retries, "
                "cache, resources)"},
           Case{two, "pipeline.yaml line 5: step 'a': name used twice (also line 3)"},
           Case{OneStep("    run: x\n    uses: gate\n"),
                "pipeline.yaml line 3: step 's': needs exactly one of 'run' (a command) "
                "and "
                "'uses' (a built-in step)"},
           Case{OneStep("    env: {A: b}\n"),
                "line 3: step 's': needs exactly one of 'run'"},
           Case{OneStep("    run: x\n    with: {a: b}\n"),
                "pipeline.yaml line 5: step 's': 'with' is for 'uses' steps"},
           Case{"name: p\nsteps:\n  - run: x\n",
                "pipeline.yaml line 3: 'steps[0]' has no 'name'"},
           Case{"name: p\nsteps:\n  - x\n",
                "line 3: 'steps[0]' must be a map with a name and "
                "run or uses, got 'x'"},
           Case{OneStep("    run: x\n    run: y\n"),
                "line 5: 'steps[0]' has the key 'run' twice"},
           Case{"name: p\nname: q\n", "line 2: the file has the key 'name' twice"},
           Case{"- a\n",
                "pipeline.yaml: expected a map with 'name' and 'steps', got a list"},
           Case{"", "expected a map with 'name' and 'steps', got nothing"},
           Case{"name: p\nsteps: [\n", "pipeline.yaml line 3: "},
       }) {
    EXPECT_TRUE(FailsWith(Parse(c.yaml), {c.want})) << c.yaml;
  }
}

TEST(PipelineSpecTest, WrongTypesAreNamed) {
  struct Case {
    std::string fields, want;
  };
  for (const Case& c : {
           Case{"    run: x\n    retries: \"2\"\n",
                "line 5: step 's': 'retries' must be an integer from 0 to 10, got '2'"},
           Case{"    run: x\n    retries: 11\n",
                "'retries' must be an integer from 0 to 10"},
           Case{"    run: x\n    needs: {a: b}\n",
                "line 5: step 's': 'needs' must be a list, got a map"},
           Case{"    run: x\n    cache: yes\n",
                "'cache' must be true or false, got 'yes'"},
           Case{"    run: x\n    inputs: a\n", "'inputs' must be a list, got 'a'"},
           Case{"    run: x\n    inputs: [[a]]\n",
                "'inputs[0]' must be a string, got a list"},
           Case{"    run: {a: b}\n",
                "line 4: step 's': 'run' must be a string, got a map"},
           Case{"    run: []\n", "'run' is an empty list"},
           Case{"    run: \"  \"\n", "'run' is empty"},
           Case{"    run: x\n    env: {1A: b}\n",
                "'env' key '1A' must be 1-64 of [A-Za-z0-9_]"},
           Case{"    run: x\n    env: {A:}\n", "'env.A' has no value"},
           Case{"    run: x\n    params: {a: [1]}\n",
                "'params.a' must be a string, got a list"},
           Case{"    run: x\n    params: {a.b: 1}\n",
                "'params' key 'a.b' must be 1-64 of [A-Za-z0-9_-]"},
           Case{"    run: x\n    needs: [a, a]\n", "'needs[1]' lists 'a' twice"},
           Case{"    run: x\n    outputs: {m: /abs}\n",
                "line 5: step 's': 'outputs.m' must be a relative path inside the step's "
                "workdir, "
                "without '..' or ${...}, got '/abs'"},
           Case{"    run: x\n    outputs: {m: a/../../b}\n", "relative path"},
           Case{"    run: x\n    outputs: {m: ..}\n", "relative path"},
           Case{"    run: x\n    outputs: {m: x/..}\n", "relative path"},
           Case{"    run: x\n    outputs: {m: \"${params.x}\"}\n", "relative path"},
       }) {
    EXPECT_TRUE(FailsWith(Parse(OneStep(c.fields)), {c.want})) << c.fields;
  }
  EXPECT_TRUE(FailsWith(Parse("name: a/b\n" + OneStep("    run: x\n").substr(8)),
                        {"line 1: 'name' must be 1-128 of [A-Za-z0-9_.-], got 'a/b'"}));
  EXPECT_TRUE(
      FailsWith(Parse("name: p\nsteps:\n  - name: a.b\n    run: x\n"),
                {"line 3: 'steps[0].name' must be 1-64 of [A-Za-z0-9_-], got 'a.b'"}));
  EXPECT_TRUE(FailsWith(
      Parse("name: p\nparams: {a: {b: c}}\n" + OneStep("    run: x\n").substr(8)),
      {"line 2: 'params.a' must be a string, got a map"}));
  Result<PipelineSpec> ok =
      Parse(OneStep("    run: x\n    outputs: {m: a/..b/c.., n: ./x/...}\n"));
  EXPECT_TRUE(ok.ok()) << ok.status().message();
}

TEST(PipelineSpecTest, Triggers) {
  struct Case {
    std::string triggers, want;
  };
  for (const Case& c : {
           Case{"  on: [{webhook: x}]\n",
                "line 3: 'triggers.on[0]' unknown event 'webhook' (alert, dataset, "
                "registry)"},
           Case{"  on: [{alert: a, dataset: b}]\n",
                "'triggers.on[0]' must be one of alert: RULE"},
           Case{"  on: [{registry: {model: m, action: alias_set}}]\n",
                "line 3: 'triggers.on[0].registry.action' must be a registry action "
                "(create_model, "},
           Case{"  on: [{registry: {action: set_alias}}]\n",
                "'triggers.on[0].registry' needs 'model'"},
           Case{"  on: [{registry: {model: m, stage: x}}]\n",
                "unknown key 'stage' (known: model, action)"},
           Case{"  on: [{registry: a/b}]\n", "without '/', '@' or control characters"},
           Case{"  on: [{alert: \"a b\"}]\n", "'triggers.on[0].alert' must be 1-128"},
           Case{"  cron: x\n",
                "line 3: 'triggers': unknown key 'cron' (known: schedule, on)"},
       }) {
    std::string yaml =
        "name: p\ntriggers:\n" + c.triggers + OneStep("    run: x\n").substr(8);
    EXPECT_TRUE(FailsWith(Parse(yaml), {c.want})) << c.triggers;
  }
  SpecContext context;
  context.check_cron = [](std::string_view e) {
    return e == "@reboot" ? InvalidArgument("@reboot is not supported") : Status::Ok();
  };
  std::string yaml =
      "name: p\ntriggers:\n  schedule: \"@reboot\"\n" + OneStep("    run: x\n").substr(8);
  EXPECT_EQ(ParsePipeline(yaml, context).status().message(),
            "pipeline.yaml line 3: 'triggers.schedule' is not a valid cron expression: "
            "@reboot is not supported");
  EXPECT_TRUE(Parse(yaml).ok());  // no check_cron: not checked
}

TEST(PipelineSpecTest, SubstitutionsAreValidated) {
  const std::string head =
      "name: p\nparams: {data: d.csv}\nsteps:\n  - name: a\n    run: x\n"
      "    outputs: {model: m/}\n  - name: b\n    needs: [a]\n";
  struct Case {
    std::string fields, want;
  };
  for (const Case& c : {
           Case{"    run: \"${params.date}\"\n",
                "line 9: step 'b': 'run': '${params.date}' names no pipeline param "
                "(params: data)"},
           Case{
               "    run: x\n    inputs: [\"${steps.z.outputs.model}\"]\n",
               "line 10: step 'b': 'inputs[0]': '${steps.z.outputs.model}' names no step "
               "(steps: a, b)"},
           Case{"    run: x\n    env: {M: \"${steps.a.outputs.metrics}\"}\n",
                "line 10: step 'b': 'env.M': '${steps.a.outputs.metrics}': step 'a' "
                "declares no "
                "output 'metrics' (outputs: model)"},
           Case{"    run: echo ${{ x }}\n",
                "line 9: step 'b': 'run': '${{' is not a substitution "
                "(use ${params.NAME} or ${steps.STEP.outputs.NAME}"},
           Case{"    run: echo ${params.data\n",
                "'run': '${params.data' has no closing '}'"},
           Case{"    run: echo ${HOME}\n",
                "'run': '${HOME}' is not a substitution (use "},
           Case{"    run: echo ${params.}\n", "'${params.}' is not a substitution"},
           Case{"    run: [a, \"${steps.a.outputs}\"]\n",
                "'run[1]': '${steps.a.outputs}' is not"},
           Case{"    uses: gate\n    with: {x: \"${params.nope}\"}\n",
                "'with.x': '${params.nope}'"},
           Case{"    run: x\n    params: {x: \"${params.nope}\"}\n",
                "'params.x': '${params.nope}'"},
       }) {
    EXPECT_TRUE(FailsWith(Parse(head + c.fields), {c.want})) << c.fields;
  }
  Result<PipelineSpec> ok = Parse(head +
                                  "    run: \"echo $${HOME} $$ ${steps.a.outputs.model} "
                                  "${params.data}\"\n");
  EXPECT_TRUE(ok.ok()) << ok.status().message();
}

TEST(PipelineSpecTest, StepReferenceNeedsAnUpstreamStep) {
  // c uses a's output; c needs b, b needs a: transitive, fine.
  const std::string chain =
      "name: p\nsteps:\n  - name: a\n    run: x\n    outputs: {o: o}\n"
      "  - name: b\n    run: y\n    needs: [a]\n"
      "  - name: c\n    run: cat ${steps.a.outputs.o}\n";
  Result<PipelineSpec> ok = Parse(chain + "    needs: [b]\n");
  EXPECT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(
      Parse(chain).status().message(),
      "pipeline.yaml line 10: step 'c': 'run': '${steps.a.outputs.o}': step 'a' is not "
      "upstream of 'c'; add it to needs (a reference does not add a need)");
  // Downstream, not upstream: a uses c's output while c needs a.
  std::string reversed =
      "name: p\nsteps:\n  - name: a\n    run: cat ${steps.c.outputs.o}\n"
      "  - name: c\n    run: y\n    needs: [a]\n    outputs: {o: o}\n";
  EXPECT_TRUE(FailsWith(Parse(reversed),
                        {"line 4: step 'a'", "step 'c' is not upstream of 'a'"}));
  // Its own output.
  EXPECT_TRUE(
      FailsWith(Parse(OneStep("    run: ${steps.s.outputs.o}\n    outputs: {o: o}\n")),
                {"step 's' is not upstream of 's'"}));
}

TEST(PipelineSpecTest, InputsMustExist) {
  SpecContext context;
  context.exists = [](std::string_view p) { return p == "data/train.csv"; };
  std::string yaml =
      OneStep("    run: x\n    inputs:\n      - data/train.csv\n      - data/test.csv\n");
  EXPECT_EQ(ParsePipeline(yaml, context).status().message(),
            "pipeline.yaml line 7: step 's': input 'data/test.csv' does not exist");
  EXPECT_TRUE(Parse(yaml).ok());  // no callback: not checked
  std::string templated =
      "name: p\nparams: {f: x}\n" +
      OneStep("    run: x\n    inputs: [\"${params.f}\"]\n").substr(8);
  EXPECT_TRUE(ParsePipeline(templated, context).ok());
}

TEST(PipelineSpecTest, HostileInputIsRejectedWithAMessage) {
  EXPECT_TRUE(FailsWith(Parse(std::string(4 << 20, '#') + "x"), {"larger than 4 MiB"}));
  std::string many = "name: p\nsteps:\n";
  for (int i = 0; i < 1001; ++i)
    many += "  - {name: s" + std::to_string(i) + ", run: x}\n";
  EXPECT_TRUE(FailsWith(Parse(many), {"line 3: 'steps' has more than 1000 steps"}));
  EXPECT_TRUE(
      FailsWith(Parse("name: p\nsteps: " + std::string(100000, '[')), {"line 2"}));
  EXPECT_TRUE(FailsWith(
      Parse("name: p\nparams: " + std::string(1000, '[') + std::string(1000, ']')),
      {"pipeline.yaml line 2: nested too deeply"}));
  EXPECT_TRUE(FailsWith(Parse(OneStep("    run: " + std::string(70000, 'x') + "\n")),
                        {"line 4: step 's': 'run' is longer than 65536 bytes"}));
  EXPECT_TRUE(FailsWith(Parse("name: p\ndescription: " + std::string(5000, 'd') + "\n"),
                        {"'description' is longer than 4096 bytes"}));
  EXPECT_TRUE(
      FailsWith(Parse("name: p\ndescription: \"\xff\xfe\"\n"), {"not valid UTF-8"}));
  // An alias bomb: a 60 KiB string repeated through aliases.
  std::string bomb =
      "name: p\nsteps:\n  - name: s\n    run: [&a " + std::string(60000, 'a');
  for (int i = 0; i < 999; ++i) bomb += ", *a";
  EXPECT_TRUE(
      FailsWith(Parse(bomb + "]\n"), {"the document expands to over 16 MiB of text"}));
  EXPECT_TRUE(FailsWith(Parse("name: p\n? [a]\n: b\n"),
                        {"line 2: the file keys must be strings"}));
  EXPECT_TRUE(FailsWith(
      Parse(OneStep("    run: x\n    env: {" + std::string(300, 'k') + ": v}\n")),
      {"line 5: step 's': 'env key' is longer than 256 bytes"}));
  // Many small nodes: refused before yaml-cpp builds them (~500 bytes each).
  std::string wide = "name: p\nparams: [";
  for (int i = 0; i < 200001; ++i) wide += "a,";
  EXPECT_TRUE(
      FailsWith(Parse(wide + "a]\n"),
                {"pipeline.yaml line 2: more than 200000 YAML nodes in the file"}));
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919) % 256);
  EXPECT_FALSE(Parse(junk).ok());
}

TEST(PipelineSpecTest, ThousandStepsParse) {
  std::string yaml = "name: p\nsteps:\n  - {name: src, run: x, outputs: {o: o}}\n";
  for (int i = 0; i < 998; ++i) {
    yaml += "  - {name: w" + std::to_string(i) +
            ", run: \"f ${steps.src.outputs.o}\", needs: [src], outputs: {o: o}}\n";
  }
  yaml += "  - name: sink\n    run: y\n    needs: [";
  for (int i = 0; i < 998; ++i) yaml += (i ? ", w" : "w") + std::to_string(i);
  yaml += "]\n";
  Result<PipelineSpec> r = Parse(yaml);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->steps.size(), 1000u);
  EXPECT_EQ(r->steps.back().needs.size(), 998u);
}

TEST(PipelineSpecTest, SubstituteFillsValues) {
  Map params = {{"data", "d.csv"}, {"depth", "4"}};
  std::map<std::string, Map> outputs = {{"train", {{"model", "/w/train/model"}}}};
  Result<std::string> r = Substitute(
      "x ${params.data} ${steps.train.outputs.model} $${HOME} $$ $x ${params.depth}",
      params, outputs);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, "x d.csv /w/train/model ${HOME} $$ $x 4");
  // Not recursive: a value that looks like a reference stays as it is.
  Result<std::string> once = Substitute("${params.a}", {{"a", "${params.a}"}}, {});
  ASSERT_TRUE(once.ok());
  EXPECT_EQ(*once, "${params.a}");
  EXPECT_EQ(*Substitute("", {}, {}), "");
  EXPECT_EQ(*Substitute("$", {}, {}), "$");
  EXPECT_TRUE(FailsWith(Substitute("${params.x}", params, outputs),
                        {"'${params.x}': no value for 'x'"}));
  EXPECT_TRUE(FailsWith(Substitute("${steps.eval.outputs.m}", params, outputs),
                        {"'${steps.eval.outputs.m}': no outputs of step 'eval'"}));
  EXPECT_TRUE(FailsWith(Substitute("${steps.train.outputs.m}", params, outputs),
                        {"no value for 'm'"}));
  EXPECT_TRUE(FailsWith(Substitute("${{ x }}", params, outputs),
                        {"'${{' is not a substitution"}));
  EXPECT_TRUE(
      FailsWith(Substitute("a ${params.data", params, outputs), {"has no closing '}'"}));
  EXPECT_TRUE(FailsWith(Substitute("${a.b.c.d.e.f.g}", params, outputs),
                        {"is not a substitution"}));
}

}  // namespace
}  // namespace ferry::pipelines

namespace ferry::pipelines {
namespace {

TEST(PipelineSpecWithTest, MapsAndListsArePassedAsJson) {
  Result<PipelineSpec> r = Parse(
      "name: p\nsteps:\n  - name: t\n    uses: train-xgboost\n    with:\n"
      "      params: {max_depth: 3, eta: 0.1, tree_method: hist, quoted: '7', on: true}\n"
      "      grid: [1, 2.5, x]\n      data: d.csv\n      rounds: 30\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& with = r->steps[0].with;
  EXPECT_EQ(with.at("params"), R"({"eta":0.1,"max_depth":3,"on":true,"quoted":"7","tree_method":"hist"})");
  EXPECT_EQ(with.at("grid"), R"([1,2.5,"x"])");
  EXPECT_EQ(with.at("data"), "d.csv");  // scalars stay as written
  EXPECT_EQ(with.at("rounds"), "30");
}

TEST(PipelineSpecWithTest, NestedValuesAreCheckedAndSubstituted) {
  Result<PipelineSpec> bad = Parse(
      "name: p\nsteps:\n  - name: t\n    uses: validate\n    with:\n      x: {a: '${params.missing}'}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("missing"), std::string::npos) << bad.status().message();
  Result<PipelineSpec> ok = Parse(
      "name: p\nparams: {depth: '4'}\nsteps:\n  - name: t\n    uses: validate\n    with:\n"
      "      x: {a: '${params.depth}'}\n");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  Result<std::string> filled = Substitute(ok->steps[0].with.at("x"), {{"depth", "4"}}, {});
  ASSERT_TRUE(filled.ok());
  EXPECT_EQ(*filled, R"({"a":"4"})");
}

}  // namespace
}  // namespace ferry::pipelines

namespace ferry::pipelines {
namespace {

TEST(PipelineSpecWithTest, AliasesCannotBuildAHugeValue) {
  std::string a = "[", b = "[", c = "[";
  for (int i = 0; i < 100; ++i) {
    a += std::string(i ? "," : "") + "[]";
    b += std::string(i ? "," : "") + "*a";
    c += std::string(i ? "," : "") + "*b";
  }
  Result<PipelineSpec> r = Parse("name: p\nsteps:\n  - name: t\n    uses: validate\n    with:\n      a: &a " + a +
                                 "]\n      b: &b " + b + "]\n      c: " + c + "]\n");
  ASSERT_FALSE(r.ok());  // a million nodes from 300 in the file
  EXPECT_NE(r.status().message().find("bytes as JSON"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace ferry::pipelines
