package io.wattguard.nvml.internal;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Which NVML symbols the loaded library really exports. Immutable once the binding is made. */
public final class SymbolTable {
    private final Set<String> present;

    public SymbolTable(Set<String> present) {
        this.present = Collections.unmodifiableSet(new LinkedHashSet<>(present));
    }

    public boolean has(String symbol) {
        return present.contains(symbol);
    }

    /** The first of {@code candidates} (newest first) the library exports: the version fallback of NVML's API. */
    public Optional<String> first(String... candidates) {
        for (String c : candidates) {
            if (present.contains(c)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    public Set<String> present() {
        return present;
    }

    public List<String> missing() {
        return NvmlFunctions.SYMBOLS.stream().filter(s -> !present.contains(s)).toList();
    }
}
