package io.wattguard.nvml.internal;

import com.sun.jna.FunctionMapper;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Binds one NVML library: resolves every symbol at load without calling any, binds the missing ones to a harmless
 * function so JNA's all-or-nothing {@code Native.register} succeeds, and defines a private copy of {@link DirectNvml}
 * for this library alone.
 */
public final class NativeBinding {
    /** Every NVML exports it; it only maps an int to a static string, so a stray call can do no harm. */
    static final String HARMLESS = "nvmlErrorString";
    /** dlopen flags: RTLD_LAZY (1), and RTLD_LOCAL, which is 0. */
    private static final int RTLD_LAZY_LOCAL = 1;

    private final NativeLibrary library;
    private final Class<?> boundClass;
    private final NvmlFunctions functions;
    private final SymbolTable symbols;

    private NativeBinding(NativeLibrary library, Class<?> boundClass, NvmlFunctions functions, SymbolTable symbols) {
        this.library = library;
        this.boundClass = boundClass;
        this.functions = functions;
        this.symbols = symbols;
    }

    /**
     * Opens {@code nameOrPath} (a file name the dynamic linker searches for, or a path).
     *
     * @throws UnsatisfiedLinkError if it cannot be opened, or if it is not NVML (no {@code nvmlErrorString})
     */
    public static NativeBinding open(String nameOrPath) {
        Set<String> present = new HashSet<>();
        FunctionMapper mapper = (lib, method) -> {
            String symbol = method.getName().substring(0, method.getName().length() - 1); // drop the trailing '_'
            if (exports(lib, symbol)) {
                present.add(symbol);
                return symbol;
            }
            return HARMLESS;
        };
        // RTLD_LOCAL, not JNA's default RTLD_GLOBAL: a library in the global scope interposes its symbols on every
        // library loaded after it, so a second NVML (a test double, another driver's copy) would answer the calls
        // the first one makes to itself.
        // (dlopen flags only: Windows has no global symbol scope, and the flags are not LoadLibraryEx's.)
        NativeLibrary library = NativeLibrary.getInstance(
                nameOrPath,
                Platform.isWindows()
                        ? Map.of(Library.OPTION_FUNCTION_MAPPER, mapper)
                        : Map.of(Library.OPTION_FUNCTION_MAPPER, mapper, Library.OPTION_OPEN_FLAGS, RTLD_LAZY_LOCAL));
        if (!exports(library, HARMLESS)) {
            UnsatisfiedLinkError e =
                    new UnsatisfiedLinkError(library.getFile() + " is not NVML: it has no " + HARMLESS);
            library.close();
            throw e;
        }
        Class<?> bound = new IsolatingLoader(NativeBinding.class.getClassLoader()).direct();
        Native.register(bound, library);
        try {
            NvmlFunctions functions =
                    (NvmlFunctions) bound.getDeclaredConstructor().newInstance();
            return new NativeBinding(library, bound, functions, new SymbolTable(present));
        } catch (ReflectiveOperationException e) {
            Native.unregister(bound);
            throw new IllegalStateException("cannot instantiate the NVML binding", e);
        }
    }

    private static boolean exports(NativeLibrary lib, String symbol) {
        try {
            lib.getGlobalVariableAddress(symbol);
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    public NvmlFunctions functions() {
        return functions;
    }

    public SymbolTable symbols() {
        return symbols;
    }

    /** The file the dynamic linker actually opened, when it says (null for some system-searched names). */
    public String file() {
        return library.getFile() == null ? library.getName() : library.getFile().getPath();
    }

    /**
     * Drops this binding's natives. The library itself stays mapped: NVML keeps threads and driver state behind
     * its handle, and unmapping code another thread may still be inside is how bindings crash.
     */
    public void unbind() {
        Native.unregister(boundClass);
        forgetOptions(boundClass);
    }

    /**
     * Unbinds and closes the library as well: only for a library NVML was never started in (its init failed), where no
     * NVML thread can be inside it. Retrying a load every poll until the driver appears must not grow the process.
     */
    public void release() {
        unbind();
        library.close();
    }

    /**
     * {@code Native.register} caches the class's options in a static WeakHashMap whose value refers back to the class
     * (JNA 5.17, {@code Native.typeOptions}), so a bound class and its class loader were never collected: about 45 KB
     * of heap and metaspace for every load, an out-of-memory within hours for a daemon retrying a missing driver.
     * {@code Native.unregister} leaves that entry; drop it here. If a JNA version has no such field there is nothing
     * to drop, or nothing this can do.
     */
    private static void forgetOptions(Class<?> bound) {
        try {
            java.lang.reflect.Field f = Native.class.getDeclaredField("typeOptions");
            f.setAccessible(true);
            Object map = f.get(null);
            if (map instanceof Map<?, ?> m) {
                synchronized (m) {
                    m.remove(bound);
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // a JNA without the cache, or one that denies access: the leak, if any, is JNA's
        }
    }

    /** Defines DirectNvml afresh, child-first; everything else (JNA, the interface) comes from the parent. */
    private static final class IsolatingLoader extends ClassLoader {
        private static final String NAME = DirectNvml.class.getName();

        IsolatingLoader(ClassLoader parent) {
            super(parent);
        }

        Class<?> direct() {
            try {
                return loadClass(NAME);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!NAME.equals(name)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    byte[] bytes;
                    try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                        if (in == null) {
                            throw new ClassNotFoundException(name);
                        }
                        bytes = in.readAllBytes();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    c = defineClass(name, bytes, 0, bytes.length, DirectNvml.class.getProtectionDomain());
                }
                return c;
            }
        }
    }
}
