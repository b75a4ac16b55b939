package dev.ensemble.dashboard;

import dev.ensemble.Insights;
import dev.ensemble.spi.CallView;
import dev.ensemble.spi.PoolView;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The dashboard's JSON: pool views written by hand, since the shape is small and fixed and the module has no
 * dependencies. Strings are escaped so that the output is safe in any JSON context; {@code <}, {@code >} and
 * {@code &} are escaped too, since inputs and stack traces are user data.
 */
final class Json {
    private final StringBuilder out = new StringBuilder(4096);
    private boolean needsComma;

    private Json() {
    }

    /** The state of every live pool, as the page reads it. */
    static String of(Instant now, List<PoolView> pools) {
        Json json = new Json();
        json.begin('{');
        json.field("time").value(now.toEpochMilli());
        json.field("pools").begin('[');
        for (PoolView pool : pools) {
            json.pool(pool);
        }
        json.end(']');
        json.end('}');
        return json.out.toString();
    }

    private void pool(PoolView pool) {
        begin('{');
        field("id").value(pool.id());
        field("name").value(pool.name());
        field("kind").value(pool.kind());
        field("state").value(pool.state());
        field("started").value(pool.started().toEpochMilli());
        field("callsCompleted").value(pool.callsCompleted());
        field("callsFailed").value(pool.callsFailed());
        field("workerStates").begin('[');
        for (String state : pool.workerStates()) {
            value(state);
        }
        end(']');
        insights(pool.insights(), pool.workerStates());
        calls("running", pool.running());
        calls("recent", pool.recent());
        calls("failures", pool.failures());
        end('}');
    }

    private void insights(Insights insights, List<String> states) {
        field("insights").begin('{');
        field("tasksCompleted").value(insights.tasksCompleted());
        field("restarts").value(insights.restarts());
        field("meanTaskNanos").value(insights.meanTaskTime());
        field("totalNanos").value(insights.totalTime());
        field("phases").begin('[');
        for (Insights.Phase phase : Insights.Phase.values()) {
            begin('{');
            field("name").value(phase.label());
            field("totalNanos").value(insights.total(phase));
            field("meanNanos").value(insights.meanPerWorker(phase));
            field("share").value(insights.share(phase));
            end('}');
        }
        end(']');
        field("workers").begin('[');
        for (Insights.WorkerStats w : insights.workers()) {
            begin('{');
            field("id").value(w.workerId());
            field("state").value(w.workerId() < states.size() ? states.get(w.workerId()) : "unknown");
            field("tasks").value(w.tasksCompleted());
            field("phaseNanos").begin('[');
            for (Insights.Phase phase : Insights.Phase.values()) {
                value(w.time(phase));
            }
            end(']');
            field("utilization").value(w.utilization());
            field("restarts").value(w.restarts());
            end('}');
        }
        end(']');
        field("slowest").begin('[');
        for (Insights.SlowTask t : insights.slowestTasks()) {
            begin('{');
            field("worker").value(t.workerId());
            field("index").value(t.index());
            field("input").value(t.input());
            field("nanos").value(t.duration());
            end('}');
        }
        end(']');
        field("table").value(insights.toTable());
        end('}');
    }

    private void calls(String name, List<CallView> calls) {
        field(name).begin('[');
        for (CallView call : calls) {
            begin('{');
            field("id").value(call.id());
            field("name").value(call.name());
            field("site").value(call.callSite());
            field("caller").value(call.caller());
            field("started").value(call.started().toEpochMilli());
            field("done").value(call.done());
            field("total").value(call.total());
            field("elapsedNanos").value(call.elapsed());
            field("rate").value(call.ratePerSecond());
            Duration eta = call.eta();
            field("etaNanos");
            if (eta == null) {
                raw("null");
            } else {
                value(eta);
            }
            field("status").value(call.status());
            field("failure").value(call.failure());
            end('}');
        }
        end(']');
    }

    // ---- writing ----

    private Json begin(char bracket) {
        comma();
        out.append(bracket);
        needsComma = false;
        return this;
    }

    private void end(char bracket) {
        out.append(bracket);
        needsComma = true;
    }

    private Json field(String name) {
        comma();
        string(name);
        out.append(':');
        needsComma = false;
        return this;
    }

    private void comma() {
        if (needsComma) {
            out.append(',');
        }
    }

    private void raw(String text) {
        comma();
        out.append(text);
        needsComma = true;
    }

    private void value(long n) {
        raw(Long.toString(n));
    }

    private void value(Duration d) {
        value(d.toNanos());
    }

    private void value(double d) {
        raw(Double.isFinite(d) ? Double.toString(d) : "null");
    }

    private void value(String s) {
        if (s == null) {
            raw("null");
            return;
        }
        comma();
        string(s);
        needsComma = true;
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
