#include "monitoring/performance.h"

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <utility>

namespace ferry::monitoring {
namespace {

using Json = nlohmann::json;

// Integers print without ".0" up to 2^53, where every integer is exact.
bool IsInteger(double v) {
  return std::isfinite(v) && v == std::trunc(v) && std::fabs(v) <= 0x1p53;
}

std::string NumberText(double v) {
  if (IsInteger(v)) return std::to_string(static_cast<int64_t>(v));  // -0 -> "0"
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

std::string LabelText(const Outcome& o) {
  return o.label_is_number ? NumberText(o.label_number) : o.label;
}

std::optional<double> NumberOf(const std::string& s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

std::string Joined(const std::set<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

bool Finite(const Outcome& o) {
  if (o.label_is_number && !std::isfinite(o.label_number)) return false;
  return std::all_of(o.output.begin(), o.output.end(),
                     [](double v) { return std::isfinite(v); });
}

// The rows with finite values, each with its index in the input.
struct Usable {
  std::vector<const Outcome*> rows;
  std::vector<size_t> index;
};

std::string WidthText(const Outcome& o) {
  if (o.output.empty()) return "a text output";
  return std::to_string(o.output.size()) +
         (o.output.size() == 1 ? " output value" : " output values");
}

Status CheckWidths(const Usable& u) {
  for (size_t i = 1; i < u.rows.size(); ++i) {
    if (u.rows[i]->output.size() != u.rows[0]->output.size()) {
      return InvalidArgument(
          "row " + std::to_string(u.index[i]) + ": " + WidthText(*u.rows[i]) +
          ", but row " + std::to_string(u.index[0]) + " has " + WidthText(*u.rows[0]));
    }
  }
  return Status::Ok();
}

// What the data allows, for choosing how to read it.
struct Facts {
  size_t width = 0;  // 0: text outputs
  bool labels_numeric = true, labels_01 = true, labels_integer = true;
  bool outputs_unit = true, outputs_integer = true;  // width 1 only
  std::set<std::string> label_classes;
};

Facts FactsOf(const Usable& u) {
  Facts f;
  f.width = u.rows[0]->output.size();
  for (const Outcome* o : u.rows) {
    f.label_classes.insert(LabelText(*o));
    f.labels_numeric = f.labels_numeric && o->label_is_number;
    f.labels_integer =
        f.labels_integer && o->label_is_number && IsInteger(o->label_number);
    f.labels_01 = f.labels_01 && o->label_is_number &&
                  (o->label_number == 0 || o->label_number == 1);
    if (f.width != 1) continue;
    double v = o->output[0];
    f.outputs_unit = f.outputs_unit && v >= 0 && v <= 1;
    f.outputs_integer = f.outputs_integer && IsInteger(v);
  }
  return f;
}

bool IsClassification(Task t) { return t == Task::kBinary || t == Task::kMulticlass; }

// Whether one value per row can be the probability of positive_label: the
// labels are 0/1 numbers and positive_label one of them, or text labels that
// make at most two classes with it.
bool ProbabilityFits(const Facts& f, const std::string& positive) {
  if (!f.outputs_unit) return false;
  if (f.labels_numeric) return f.labels_01 && (positive == "0" || positive == "1");
  std::set<std::string> classes = f.label_classes;
  classes.insert(positive);
  return classes.size() <= 2;
}

Status LabelsMustBeNumbers(const Usable& u) {
  for (size_t i = 0; i < u.rows.size(); ++i) {
    if (!u.rows[i]->label_is_number) {
      return InvalidArgument("row " + std::to_string(u.index[i]) + ": label " +
                             Quoted(u.rows[i]->label) +
                             " is not a number; regression needs number labels");
    }
  }
  return Status::Ok();
}

// How a one-value output is read when the caller did not say.
Result<OutputKind> GuessOneValue(const Facts& f, const Usable& u,
                                 const PerformanceOptions& opt) {
  if (opt.task == Task::kRegression) {
    RETURN_IF_ERROR(LabelsMustBeNumbers(u));
    return OutputKind::kValue;
  }
  if (opt.task != Task::kMulticlass && ProbabilityFits(f, opt.positive_label)) {
    return OutputKind::kProbability;
  }
  if (f.outputs_integer &&
      (IsClassification(opt.task) || !f.labels_numeric || f.labels_integer)) {
    return OutputKind::kClass;
  }
  const std::string for_positive = " for positive_label " + Quoted(opt.positive_label);
  if (opt.task == Task::kAuto && f.labels_numeric) {
    if (!f.outputs_unit || !f.labels_01) return OutputKind::kValue;
    return InvalidArgument(
        "outputs in [0, 1] with 0/1 labels are probabilities, but not" + for_positive +
        " (not 0 or 1)");
  }
  size_t i = 0;
  while (i + 1 < u.rows.size() && IsInteger(u.rows[i]->output[0])) ++i;
  return InvalidArgument("row " + std::to_string(u.index[i]) + ": output " +
                         NumberText(u.rows[i]->output[0]) +
                         " is neither a class (an integer) nor a probability" +
                         for_positive +
                         (f.labels_numeric ? "" : "; text labels rule out regression"));
}

// An explicit output kind must fit every row.
Status CheckOutputKind(OutputKind kind, const Usable& u) {
  for (size_t i = 0; i < u.rows.size(); ++i) {
    const Outcome& o = *u.rows[i];
    std::string row = "row " + std::to_string(u.index[i]) + ": ";
    bool one = o.output.size() == 1;
    if (kind == OutputKind::kClass && !o.output.empty() &&
        !(one && IsInteger(o.output[0]))) {
      return InvalidArgument(row + "a class output must be text or one integer");
    }
    if (kind == OutputKind::kProbability &&
        !(one && o.output[0] >= 0 && o.output[0] <= 1)) {
      return InvalidArgument(row + "a probability output must be one value in [0, 1]");
    }
    if (kind == OutputKind::kClassProbabilities && o.output.size() < 2) {
      return InvalidArgument(row + "class probabilities need at least two values, got " +
                             WidthText(o));
    }
    if (kind == OutputKind::kValue && !(one && o.label_is_number)) {
      return InvalidArgument(
          row + (one ? "label " + Quoted(o.label) + " is not a number" : WidthText(o)) +
          "; regression needs one number per row and number labels");
    }
  }
  return Status::Ok();
}

Result<OutputKind> ChooseOutput(const Facts& f, const Usable& u,
                                const PerformanceOptions& opt) {
  if (opt.output != OutputKind::kAuto) {
    RETURN_IF_ERROR(CheckOutputKind(opt.output, u));
    return opt.output;
  }
  if (f.width == 0) return OutputKind::kClass;
  if (f.width >= 2) return OutputKind::kClassProbabilities;
  return GuessOneValue(f, u, opt);
}

// The task, and the classes a binary reading calls positive and negative.
struct Reading {
  Task task = Task::kAuto;
  OutputKind output = OutputKind::kAuto;
  std::string positive, negative;
};

Status TaskMismatch(Task t, OutputKind k) {
  return InvalidArgument("task " + std::string(TaskName(t)) +
                         " does not fit outputs read as " +
                         std::string(OutputKindName(k)));
}

Result<Reading> ReadingForProbability(const Facts& f, const PerformanceOptions& opt) {
  std::set<std::string> classes = f.label_classes;
  classes.insert(opt.positive_label);
  if (classes.size() > 2) {
    return InvalidArgument("positive_label " + Quoted(opt.positive_label) +
                           " and the labels make " + std::to_string(classes.size()) +
                           " classes (" + Joined(classes) +
                           "); one probability per row needs two");
  }
  Reading r{Task::kBinary, OutputKind::kProbability, opt.positive_label, ""};
  for (const std::string& c : classes) {
    if (c != r.positive) r.negative = c;
  }
  if (r.negative.empty()) {
    r.negative = r.positive == "1" ? "0" : r.positive == "0" ? "1" : "not " + r.positive;
  }
  return r;
}

Result<Reading> ReadingForClassProbabilities(const Facts& f,
                                             const PerformanceOptions& opt) {
  Task task = opt.task == Task::kAuto ? (f.width == 2 ? Task::kBinary : Task::kMulticlass)
                                      : opt.task;
  if (task == Task::kBinary && f.width != 2) {
    return InvalidArgument("task binary needs two class probabilities per row, got " +
                           std::to_string(f.width));
  }
  Reading r{task, OutputKind::kClassProbabilities, opt.positive_label, ""};
  if (task == Task::kBinary) {
    if (r.positive != "0" && r.positive != "1") {
      return InvalidArgument("positive_label " + Quoted(r.positive) +
                             " is not a class of two output probabilities (0, 1)");
    }
    r.negative = r.positive == "1" ? "0" : "1";
  }
  return r;
}

Result<Reading> ChooseReading(const Facts& f, const Usable& u,
                              const PerformanceOptions& opt) {
  ASSIGN_OR_RETURN(OutputKind kind, ChooseOutput(f, u, opt));
  const bool regression = kind == OutputKind::kValue;
  if (opt.task != Task::kAuto && regression != (opt.task == Task::kRegression))
    return TaskMismatch(opt.task, kind);
  if (kind == OutputKind::kProbability && opt.task == Task::kMulticlass)
    return TaskMismatch(opt.task, kind);
  switch (kind) {
    case OutputKind::kValue:
      return Reading{Task::kRegression, kind, "", ""};
    case OutputKind::kProbability:
      return ReadingForProbability(f, opt);
    case OutputKind::kClassProbabilities:
      return ReadingForClassProbabilities(f, opt);
    default:
      return Reading{opt.task, OutputKind::kClass, opt.positive_label,
                     ""};  // task settled on the classes
  }
}

// ---------------------------------------------------------------- regression

void Regression(const Usable& u, PerformanceMetrics* m) {
  const long double n = static_cast<long double>(u.rows.size());
  long double error = 0, absolute = 0, squared = 0, label_sum = 0;
  bool constant = true;
  for (const Outcome* o : u.rows) {
    double diff = o->output[0] - o->label_number;  // rounded as numpy rounds it
    error += diff;
    absolute += std::fabs(diff);
    squared += static_cast<long double>(diff) * diff;
    label_sum += o->label_number;
    constant = constant && o->label_number == u.rows[0]->label_number;
  }
  m->mean_error = static_cast<double>(error / n);
  m->mae = static_cast<double>(absolute / n);
  m->rmse = static_cast<double>(std::sqrt(squared / n));
  if (u.rows.size() < 2) {
    m->notes.push_back("r2: needs at least two rows");
    return;
  }
  long double spread = 0;
  const long double mean = label_sum / n;
  for (const Outcome* o : u.rows)
    spread += (o->label_number - mean) * (o->label_number - mean);
  // r2_score(force_finite=True); constant labels are detected exactly rather
  // than through a rounded mean.
  if (squared == 0) {
    m->r2 = 1.0;
  } else if (constant) {
    m->r2 = 0.0;
  } else {
    m->r2 = static_cast<double>(1 - squared / spread);
  }
}

// ------------------------------------------------------------ classification

// Per row: the true and predicted class, and scores where the output has them.
struct Judged {
  std::vector<std::string> truth, predicted;
  std::vector<int> label_index;    // class probabilities: the label's column
  std::vector<double> truth_prob;  // probability given to the true class
  // Binary: p of the positive class and whether the row is positive (roc_auc
  // and calibration). Multiclass: the top probability and whether its class
  // is right (top-label calibration).
  std::vector<double> confidence;
  std::vector<char> hit;
  bool in_unit = true;      // every probability in [0, 1]
  bool sums_to_one = true;  // np.allclose(1, row sums)
};

Result<int> LabelColumn(const Outcome& o, size_t index, size_t k) {
  const std::string text = LabelText(o);
  int64_t v = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0 ||
      static_cast<uint64_t>(v) >= k || std::to_string(v) != text) {
    return InvalidArgument("row " + std::to_string(index) + ": label " +
                           Quoted(o.label_is_number ? text : o.label) +
                           " is not a class of the " + std::to_string(k) +
                           " output probabilities (0.." + std::to_string(k - 1) + ")");
  }
  return static_cast<int>(v);
}

void JudgeProbabilities(const Outcome& o, int label, const Reading& r,
                        const PerformanceOptions& opt, Judged* j) {
  const std::vector<double>& p = o.output;
  size_t top =
      static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());  // first max
  long double sum = 0;
  for (double v : p) {
    sum += v;
    j->in_unit = j->in_unit && v >= 0 && v <= 1;
  }
  double s = static_cast<double>(sum);
  j->sums_to_one = j->sums_to_one && std::fabs(1.0 - s) <= 1e-8 + 1e-5 * std::fabs(s);
  j->label_index.push_back(label);
  j->truth_prob.push_back(p[static_cast<size_t>(label)]);
  if (r.task == Task::kBinary) {
    double pos = p[r.positive == "1" ? 1 : 0];
    j->predicted.push_back(pos >= opt.threshold ? r.positive : r.negative);
    j->confidence.push_back(pos);
    j->hit.push_back(j->truth.back() == r.positive);
  } else {
    j->predicted.push_back(std::to_string(top));
    j->confidence.push_back(p[top]);
    j->hit.push_back(static_cast<size_t>(label) == top);
  }
}

Result<Judged> Judge(const Usable& u, const Reading& r, const PerformanceOptions& opt) {
  Judged j;
  for (size_t i = 0; i < u.rows.size(); ++i) {
    const Outcome& o = *u.rows[i];
    j.truth.push_back(LabelText(o));
    if (r.output == OutputKind::kClass) {
      j.predicted.push_back(o.output.empty() ? o.output_text : NumberText(o.output[0]));
    } else if (r.output == OutputKind::kProbability) {
      double p = o.output[0];
      bool positive = j.truth.back() == r.positive;
      j.predicted.push_back(p >= opt.threshold ? r.positive : r.negative);
      j.truth_prob.push_back(positive ? p : 1 - p);  // sklearn's columns [1 - p, p]
      j.confidence.push_back(p);
      j.hit.push_back(positive);
    } else {
      ASSIGN_OR_RETURN(int label, LabelColumn(o, u.index[i], o.output.size()));
      JudgeProbabilities(o, label, r, opt, &j);
    }
  }
  return j;
}

std::vector<std::string> SortedClasses(const std::vector<std::string>& a,
                                       const std::vector<std::string>& b) {
  std::set<std::string> set(a.begin(), a.end());
  set.insert(b.begin(), b.end());
  std::vector<std::string> out(set.begin(), set.end());
  bool numeric = std::all_of(out.begin(), out.end(), [](const std::string& s) {
    return NumberOf(s).has_value();
  });
  if (numeric) {
    std::stable_sort(out.begin(), out.end(),
                     [](const std::string& x, const std::string& y) {
                       return *NumberOf(x) < *NumberOf(y);
                     });
  }
  return out;
}

// A predicted-class reading becomes binary or multiclass on its classes.
Status SettleClassTask(const std::vector<std::string>& classes,
                       const PerformanceOptions& opt, Reading* r) {
  const std::set<std::string> set(classes.begin(), classes.end());
  const bool has_positive = set.count(opt.positive_label) > 0;
  const bool zero_one =
      (opt.positive_label == "0" || opt.positive_label == "1") &&
      std::all_of(classes.begin(), classes.end(),
                  [](const std::string& c) { return c == "0" || c == "1"; });
  if (r->task == Task::kAuto) {
    r->task = classes.size() <= 2 && (has_positive || zero_one) ? Task::kBinary
                                                                : Task::kMulticlass;
  } else if (r->task == Task::kBinary && classes.size() > 2) {
    return InvalidArgument("task binary, but the labels and predictions hold " +
                           std::to_string(classes.size()) + " classes (" + Joined(set) +
                           ")");
  } else if (r->task == Task::kBinary && classes.size() == 2 && !has_positive) {
    return InvalidArgument("positive_label " + Quoted(opt.positive_label) +
                           " is not one of the classes " + Joined(set));
  }
  return Status::Ok();
}

double Ratio(int64_t num, int64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

// Confusion, accuracy and precision / recall / F1 (binary or macro) over
// m->classes.
void Rates(const Judged& j, const Reading& r, PerformanceMetrics* m) {
  const size_t n = m->classes.size();
  std::map<std::string, size_t> at;
  for (size_t c = 0; c < n; ++c) at[m->classes[c]] = c;
  m->confusion.assign(n, std::vector<int64_t>(n, 0));
  int64_t right = 0;
  for (size_t i = 0; i < j.truth.size(); ++i) {
    ++m->confusion[at[j.truth[i]]][at[j.predicted[i]]];
    right += j.truth[i] == j.predicted[i];
  }
  m->accuracy = Ratio(right, static_cast<int64_t>(j.truth.size()));
  double precision = 0, recall = 0, f1 = 0;
  for (size_t c = 0; c < n; ++c) {
    if (r.task == Task::kBinary && m->classes[c] != r.positive) continue;
    int64_t tp = m->confusion[c][c], true_sum = 0, pred_sum = 0;
    for (size_t o = 0; o < n; ++o) {
      true_sum += m->confusion[c][o];
      pred_sum += m->confusion[o][c];
    }
    precision += Ratio(tp, pred_sum);
    recall += Ratio(tp, true_sum);
    f1 += Ratio(2 * tp, true_sum + pred_sum);
  }
  const double classes = r.task == Task::kBinary || n == 0 ? 1.0 : static_cast<double>(n);
  m->precision = precision / classes;
  m->recall = recall / classes;
  m->f1 = f1 / classes;
}

// Mann-Whitney U / (P N), ties half: the area under sklearn's ROC curve.
std::optional<double> BinaryAuc(const std::vector<double>& score,
                                const std::vector<char>& positive) {
  std::vector<size_t> order(score.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return score[a] < score[b]; });
  long double below = 0, pairs = 0, pos_total = 0;
  for (size_t g = 0; g < order.size();) {
    size_t end = g;
    long double pos = 0, neg = 0;
    for (; end < order.size() && score[order[end]] == score[order[g]]; ++end) {
      (positive[order[end]] ? pos : neg) += 1;
    }
    pairs += pos * below + 0.5L * pos * neg;
    below += neg;
    pos_total += pos;
    g = end;
  }
  if (pos_total == 0 || below == 0) return std::nullopt;
  return static_cast<double>(pairs / (pos_total * below));
}

// One-vs-rest macro over the classes present in the labels.
std::optional<double> OvrAuc(const Usable& u, const Judged& j, size_t k) {
  long double total = 0;
  int present = 0;
  std::vector<double> score(u.rows.size());
  std::vector<char> positive(u.rows.size());
  for (size_t c = 0; c < k; ++c) {
    for (size_t i = 0; i < u.rows.size(); ++i) {
      score[i] = u.rows[i]->output[c];
      positive[i] = static_cast<size_t>(j.label_index[i]) == c;
    }
    std::optional<double> auc = BinaryAuc(score, positive);
    if (!auc) continue;  // absent from the labels, or the only class there
    total += *auc;
    ++present;
  }
  if (present < 2) return std::nullopt;
  return static_cast<double>(total / present);
}

// calibration_curve(strategy='uniform'): edges np.linspace(0, 1, n + 1),
// a value's bin np.searchsorted(edges[1:-1], value) (left), so a value on
// an inner edge falls in the bin below it.
void Calibration(const Judged& j, int bins, PerformanceMetrics* m) {
  std::vector<double> edges(static_cast<size_t>(bins) + 1);
  for (int e = 0; e <= bins; ++e) edges[e] = e == bins ? 1.0 : e * (1.0 / bins);
  std::vector<int64_t> count(bins, 0);
  std::vector<double> sum(bins, 0.0), hits(bins, 0.0);
  for (size_t i = 0; i < j.confidence.size(); ++i) {
    size_t b = static_cast<size_t>(
        std::lower_bound(edges.begin() + 1, edges.end() - 1, j.confidence[i]) -
        (edges.begin() + 1));
    ++count[b];
    sum[b] += j.confidence[i];
    hits[b] += j.hit[i] ? 1.0 : 0.0;
  }
  double ece = 0;
  const double n = static_cast<double>(j.confidence.size());
  for (size_t b = 0; b < count.size(); ++b) {
    if (count[b] == 0) continue;
    ReliabilityBin bin{edges[b], edges[b + 1], count[b], sum[b] / count[b],
                       hits[b] / count[b]};
    ece += count[b] / n * std::fabs(bin.fraction_positive - bin.mean_predicted);
    m->reliability.push_back(bin);
  }
  m->ece = ece;
}

// sklearn's log_loss: clipped to [eps, 1 - eps], rows not renormalised.
double LogLoss(const std::vector<double>& truth_prob) {
  long double total = 0;
  for (double p : truth_prob) {
    total -= std::log(std::clamp(p, DBL_EPSILON, 1 - DBL_EPSILON));
  }
  return static_cast<double>(total / truth_prob.size());
}

void Scores(const Usable& u, const Judged& j, const Reading& r,
            const PerformanceOptions& opt, PerformanceMetrics* m) {
  if (r.output == OutputKind::kClass) {
    for (const char* metric : {"roc_auc", "log_loss", "ece"}) {
      m->notes.push_back(std::string(metric) +
                         ": the output is a predicted class, not probabilities");
    }
    return;
  }
  if (r.task == Task::kMulticlass && !j.sums_to_one) {
    m->notes.push_back("roc_auc: the class probabilities do not sum to 1");
  } else {
    m->roc_auc = r.task == Task::kBinary ? BinaryAuc(j.confidence, j.hit)
                                         : OvrAuc(u, j, u.rows[0]->output.size());
    if (!m->roc_auc) m->notes.push_back("roc_auc: only one class in the labels");
  }
  if (j.in_unit) {
    m->log_loss = LogLoss(j.truth_prob);
  } else {
    m->notes.push_back("log_loss: outputs outside [0, 1] are not probabilities");
  }
  if (std::all_of(j.confidence.begin(), j.confidence.end(),
                  [](double p) { return p >= 0 && p <= 1; })) {
    Calibration(j, opt.calibration_bins, m);
  } else {
    m->notes.push_back("ece: outputs outside [0, 1] are not probabilities");
  }
}

Status Classification(const Usable& u, Reading r, const PerformanceOptions& opt,
                      PerformanceMetrics* m) {
  ASSIGN_OR_RETURN(Judged j, Judge(u, r, opt));
  m->classes = SortedClasses(j.truth, j.predicted);
  if (r.output == OutputKind::kClass)
    RETURN_IF_ERROR(SettleClassTask(m->classes, opt, &r));
  m->task = r.task;
  Rates(j, r, m);
  Scores(u, j, r, opt, m);
  return Status::Ok();
}

}  // namespace

Result<PerformanceMetrics> ComputePerformance(const std::vector<Outcome>& rows,
                                              const PerformanceOptions& options) {
  if (options.calibration_bins < 1) {
    return InvalidArgument("calibration_bins: must be at least 1, got " +
                           std::to_string(options.calibration_bins));
  }
  PerformanceMetrics m;
  Usable u;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!Finite(rows[i])) continue;
    u.rows.push_back(&rows[i]);
    u.index.push_back(i);
  }
  if (size_t left_out = rows.size() - u.rows.size(); left_out > 0) {
    m.notes.push_back(std::to_string(left_out) + (left_out == 1 ? " row" : " rows") +
                      " with non-finite values excluded");
  }
  if (u.rows.empty()) {
    m.task = options.task == Task::kAuto ? Task::kBinary : options.task;
    m.output = options.output;
    m.notes.push_back("no rows to evaluate: every metric is absent");
    return m;
  }
  RETURN_IF_ERROR(CheckWidths(u));
  const Facts facts = FactsOf(u);
  ASSIGN_OR_RETURN(Reading reading, ChooseReading(facts, u, options));
  m.rows = static_cast<int64_t>(u.rows.size());
  m.output = reading.output;
  if (reading.task == Task::kRegression) {
    m.task = Task::kRegression;
    Regression(u, &m);
    return m;
  }
  RETURN_IF_ERROR(Classification(u, reading, options, &m));
  return m;
}

std::string_view TaskName(Task t) {
  switch (t) {
    case Task::kBinary:
      return "binary";
    case Task::kMulticlass:
      return "multiclass";
    case Task::kRegression:
      return "regression";
    default:
      return "auto";
  }
}

Result<Task> ParseTask(std::string_view name) {
  for (Task t : {Task::kAuto, Task::kBinary, Task::kMulticlass, Task::kRegression}) {
    if (TaskName(t) == name) return t;
  }
  return InvalidArgument("task: unknown value '" + std::string(name) +
                         "' (expected auto, binary, multiclass or regression)");
}

std::string_view OutputKindName(OutputKind k) {
  switch (k) {
    case OutputKind::kClass:
      return "class";
    case OutputKind::kProbability:
      return "probability";
    case OutputKind::kClassProbabilities:
      return "class_probabilities";
    case OutputKind::kValue:
      return "value";
    default:
      return "auto";
  }
}

Result<OutputKind> ParseOutputKind(std::string_view name) {
  for (OutputKind k : {OutputKind::kAuto, OutputKind::kClass, OutputKind::kProbability,
                       OutputKind::kClassProbabilities, OutputKind::kValue}) {
    if (OutputKindName(k) == name) return k;
  }
  return InvalidArgument(
      "output: unknown value '" + std::string(name) +
      "' (expected auto, class, probability, class_probabilities or value)");
}

Json PerformanceToJson(const PerformanceMetrics& m) {
  auto value = [](const std::optional<double>& v) {
    return v ? Json(*v) : Json(nullptr);
  };
  Json bins = Json::array();
  for (const ReliabilityBin& b : m.reliability) {
    bins.push_back({{"lower", b.lower},
                    {"upper", b.upper},
                    {"count", b.count},
                    {"mean_predicted", b.mean_predicted},
                    {"fraction_positive", b.fraction_positive}});
  }
  return Json{{"task", TaskName(m.task)},
              {"output", OutputKindName(m.output)},
              {"rows", m.rows},
              {"classes", m.classes},
              {"confusion", m.confusion},
              {"accuracy", value(m.accuracy)},
              {"precision", value(m.precision)},
              {"recall", value(m.recall)},
              {"f1", value(m.f1)},
              {"roc_auc", value(m.roc_auc)},
              {"log_loss", value(m.log_loss)},
              {"ece", value(m.ece)},
              {"reliability", bins},
              {"mae", value(m.mae)},
              {"rmse", value(m.rmse)},
              {"r2", value(m.r2)},
              {"mean_error", value(m.mean_error)},
              {"notes", m.notes}};
}

std::optional<double> PerformanceMetric(const PerformanceMetrics& m,
                                        std::string_view name) {
  static const std::map<std::string_view, std::optional<double> PerformanceMetrics::*>
      kFields = {{"accuracy", &PerformanceMetrics::accuracy},
                 {"precision", &PerformanceMetrics::precision},
                 {"recall", &PerformanceMetrics::recall},
                 {"f1", &PerformanceMetrics::f1},
                 {"roc_auc", &PerformanceMetrics::roc_auc},
                 {"auc", &PerformanceMetrics::roc_auc},
                 {"log_loss", &PerformanceMetrics::log_loss},
                 {"ece", &PerformanceMetrics::ece},
                 {"mae", &PerformanceMetrics::mae},
                 {"rmse", &PerformanceMetrics::rmse},
                 {"r2", &PerformanceMetrics::r2},
                 {"mean_error", &PerformanceMetrics::mean_error}};
  if (name == "rows") return static_cast<double>(m.rows);
  auto it = kFields.find(name);
  return it == kFields.end() ? std::nullopt : m.*(it->second);
}

}  // namespace ferry::monitoring
