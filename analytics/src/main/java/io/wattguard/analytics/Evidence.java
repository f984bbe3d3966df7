package io.wattguard.analytics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What an episode points at, for the operator who has to act on it: the GPUs, processes, connections,
 * outlets and scan findings seen while it was open, as the {@code evidence} JSON of the anomaly schema.
 */
final class Evidence {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Per list: an episode that runs for weeks must not grow its JSON without bound. */
    private static final int CAP = 16;

    /** The episode kind a host-scan finding opens, or null for findings that only support other episodes. */
    static String episodeKind(String findingKind) {
        return switch (findingKind) {
            case "miner_process", "miner_command_line" -> "miner_process";
            case "pool_connection", "miner_api" -> "pool_connection";
            default -> null;
        };
    }

    static String title(String host, String kind, Collected c) {
        return switch (kind) {
            case "miner_process" -> String.format(Locale.ROOT, "%s runs a miner%s", host, c.firstProcess());
            case "pool_connection" ->
                String.format(Locale.ROOT, "%s talks to a mining pool%s", host, c.firstConnection());
            default -> String.format(Locale.ROOT, "%s: GPUs busy out of business hours without business load", host);
        };
    }

    /** The union of what was seen, keyed so that a thing seen every step is listed once, with its latest figures. */
    static final class Collected {
        private final Map<String, ObjectNode> gpus = new LinkedHashMap<>();
        private final Map<String, ObjectNode> processes = new LinkedHashMap<>();
        private final Map<String, ObjectNode> connections = new LinkedHashMap<>();
        private final Map<String, ObjectNode> outlets = new LinkedHashMap<>();
        private final Map<String, ObjectNode> findings = new LinkedHashMap<>();

        private static ObjectNode slot(Map<String, ObjectNode> m, String key) {
            ObjectNode n = m.get(key);
            if (n == null && m.size() < CAP) {
                n = JSON.createObjectNode();
                m.put(key, n);
            }
            return n;
        }

        void gpu(String entity, double utilPct, double powerW, double limitW) {
            ObjectNode n = slot(gpus, entity);
            if (n != null) {
                n.put("gpu", entity);
                put(n, "util_pct", utilPct);
                put(n, "power_w", powerW);
                put(n, "power_limit_w", limitW);
            }
        }

        void outlet(String device, String channel, double powerW, String host) {
            ObjectNode n = slot(outlets, device + "/" + channel);
            if (n != null) {
                n.put("device", device).put("channel", channel);
                if (host != null) {
                    n.put("host", host);
                }
                put(n, "power_w", powerW);
            }
        }

        void process(String host, Frame.Proc p) {
            ObjectNode n = slot(processes, p.gpu() + "/" + p.pid());
            if (n != null) {
                n.put("host", host)
                        .put("gpu", p.gpu())
                        .put("process", p.process())
                        .put("pid", p.pid());
                if (p.business() != null) {
                    n.put("business", p.business());
                }
                put(n, "sm_util_pct", p.smUtilPct());
                if (p.user() != null) {
                    n.put("user", p.user());
                }
                if (p.container() != null && !p.container().isEmpty()) {
                    n.put("container", p.container());
                }
            }
        }

        void finding(Frame.Finding f) {
            boolean network = "pool_connection".equals(f.kind()) || "miner_api".equals(f.kind());
            ObjectNode n = slot(network ? connections : findings, f.kind() + "/" + f.pid() + "/" + f.detail());
            if (n != null) {
                n.put("kind", f.kind()).put("process", f.process()).put("pid", f.pid());
                if (f.detail() != null) {
                    n.put("detail", f.detail());
                }
                put(n, "score", f.score());
            }
        }

        String firstProcess() {
            for (ObjectNode f : findings.values()) {
                if (f.hasNonNull("process")) {
                    return ": " + f.get("process").asText() + " (pid "
                            + f.get("pid").asLong() + ")";
                }
            }
            return "";
        }

        /** The first process outside the business list: its name, pid, user and container. */
        String firstGpuProcess() {
            for (ObjectNode p : processes.values()) {
                if (!p.path("business").asBoolean(true)) {
                    String user =
                            p.hasNonNull("user") ? ", user " + p.get("user").asText() : "";
                    String container = p.hasNonNull("container")
                            ? ", container " + p.get("container").asText()
                            : "";
                    return ": " + p.get("process").asText() + " (pid "
                            + p.get("pid").asLong() + user + container + ")";
                }
            }
            return "";
        }

        String firstConnection() {
            for (ObjectNode c : connections.values()) {
                return c.hasNonNull("detail") ? ": " + c.get("detail").asText() : "";
            }
            return "";
        }

        private static void put(ObjectNode n, String key, double v) {
            if (!Double.isNaN(v)) {
                n.put(key, Math.round(v * 10) / 10.0);
            }
        }

        String json() {
            ObjectNode root = JSON.createObjectNode();
            list(root, "gpus", gpus);
            list(root, "processes", processes);
            list(root, "connections", connections);
            list(root, "outlets", outlets);
            list(root, "findings", findings);
            return root.toString();
        }

        private static void list(ObjectNode root, String name, Map<String, ObjectNode> m) {
            if (!m.isEmpty()) {
                ArrayNode a = root.putArray(name);
                m.values().forEach(a::add);
            }
        }
    }
}
