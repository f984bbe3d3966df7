package io.wattguard.meters.opcua;

import java.util.ArrayList;
import java.util.List;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowsePath;
import org.eclipse.milo.opcua.stack.core.types.structured.RelativePath;
import org.eclipse.milo.opcua.stack.core.types.structured.RelativePathElement;

/** NodeIds and browse paths as operators write them in a config file. */
public final class NodeRefs {
    private NodeRefs() {}

    /** The NodeId in OPC UA's text form ({@code ns=2;s=Meter.L1.power_w}, {@code i=2258}), or null. */
    public static NodeId parseNodeId(String text) {
        return text == null ? null : NodeId.parseOrNull(text.trim());
    }

    /** Null when {@code path} is a usable browse path, else what is wrong with it. */
    public static String checkBrowsePath(String path) {
        try {
            segments(path);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /**
     * A browse path from the Root folder: {@code Objects/2:Meter/2:L1/2:power_w}. Each segment is a browse
     * name, prefixed with its namespace index unless it is in namespace 0, reached through any hierarchical
     * reference.
     */
    public static BrowsePath toBrowsePath(String path) {
        List<QualifiedName> names = segments(path);
        RelativePathElement[] elements = new RelativePathElement[names.size()];
        for (int i = 0; i < names.size(); i++) {
            elements[i] = new RelativePathElement(NodeIds.HierarchicalReferences, false, true, names.get(i));
        }
        return new BrowsePath(NodeIds.RootFolder, new RelativePath(elements));
    }

    static List<QualifiedName> segments(String path) {
        String p = path == null ? "" : path.trim();
        if (p.startsWith("/")) {
            p = p.substring(1);
        }
        if (p.isEmpty()) {
            throw new IllegalArgumentException(
                    "expected a browse path such as Objects/2:Meter/2:L1/2:power_w, " + "found an empty one");
        }
        List<QualifiedName> out = new ArrayList<>();
        for (String seg : p.split("/", -1)) {
            if (seg.isEmpty()) {
                throw new IllegalArgumentException("browse path '" + path + "' has an empty segment");
            }
            int colon = seg.indexOf(':');
            if (colon > 0 && seg.substring(0, colon).chars().allMatch(Character::isDigit)) {
                int ns = Integer.parseInt(seg.substring(0, colon));
                if (ns > 65535) {
                    throw new IllegalArgumentException(
                            "namespace index " + ns + " in browse path '" + path + "' is above 65535");
                }
                out.add(new QualifiedName(ns, seg.substring(colon + 1)));
            } else {
                out.add(new QualifiedName(0, seg));
            }
        }
        return out;
    }
}
