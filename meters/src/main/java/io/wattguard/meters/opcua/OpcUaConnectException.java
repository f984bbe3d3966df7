package io.wattguard.meters.opcua;

/** A connection to an OPC UA server failed, with a message an operator can act on. */
public final class OpcUaConnectException extends Exception {
    private static final long serialVersionUID = 1L;
    private final long statusCode;

    public OpcUaConnectException(String message, long statusCode, Throwable cause) {
        super(message, cause);
        this.statusCode = statusCode;
    }

    /** The OPC UA status code behind the failure, or 0 when it was not an OPC UA status (a refused socket). */
    public long statusCode() {
        return statusCode;
    }
}
