package io.wattguard.nvml;

/** An NVML call failed with a return code the binding cannot turn into an absent value. */
public class NvmlException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final NvmlReturn returnCode;
    private final String function;

    public NvmlException(String function, NvmlReturn returnCode, String message) {
        super(message);
        this.function = function;
        this.returnCode = returnCode;
    }

    public NvmlException(String function, NvmlReturn returnCode) {
        this(function, returnCode, function + " returned " + returnCode.code() + " (" + returnCode.text() + ")");
    }

    public NvmlReturn returnCode() {
        return returnCode;
    }

    /** The NVML symbol that failed, or a short description when no single call did. */
    public String function() {
        return function;
    }
}
