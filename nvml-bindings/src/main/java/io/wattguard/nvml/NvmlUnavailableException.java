package io.wattguard.nvml;

import java.util.List;

/**
 * NVML cannot be used on this machine: the library is missing, it is not NVML, or the driver behind it is not
 * loaded. The message is meant for an operator as it stands: what was tried, what failed, what to install.
 */
public class NvmlUnavailableException extends NvmlException {
    private static final long serialVersionUID = 1L;
    private final List<String> pathsTried;

    public NvmlUnavailableException(String function, NvmlReturn returnCode, List<String> pathsTried, String message) {
        super(function, returnCode, message);
        this.pathsTried = List.copyOf(pathsTried);
    }

    /** Every library name or path that was tried, in order. */
    public List<String> pathsTried() {
        return pathsTried;
    }
}
