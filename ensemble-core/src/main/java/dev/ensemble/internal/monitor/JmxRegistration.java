package dev.ensemble.internal.monitor;

import dev.ensemble.internal.platform.Log;
import java.lang.management.ManagementFactory;
import java.util.Hashtable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

/**
 * A pool's MBean, {@code dev.ensemble:type=WorkerPool,name=<pool name>}, in the platform MBean server.
 *
 * <p>Registered on a background thread: creating the platform MBean server costs about 150 ms of CPU the first
 * time in a JVM, which a pool (ready in well under a millisecond, for threads) must not wait for. The first pool of
 * a JVM looks for that server {@link #FIRST_DELAY_MILLIS} after it is built, so that even the look does not compete
 * for the CPUs with the start of worker JVMs; if something else made it already (a management agent, a framework,
 * a metrics registry), it registers then, else it makes it only {@link #CREATE_DELAY_MILLIS} after the build, past
 * the first seconds in which a JVM's compilers and its pools' first calls need the CPUs: at one second, a fresh
 * process pool's first 600 small calls took 135 ms longer on 2 CPUs. Later pools register at once. Closing never
 * waits for a registration: one that has not happened yet is skipped. A second live pool of the same name gets
 * {@code ,id=<pool number>} added to its object name.
 *
 * <p>This class, which every pool loads as it starts, names no JMX type: its nested {@link Jmx} does the JMX work,
 * and is loaded by the first registration (a JVM's first pool loads nothing of {@code java.management} before it).
 */
final class JmxRegistration implements Runnable {
    /** The JMX domain of Ensemble's beans. */
    static final String DOMAIN = "dev.ensemble";
    /** How long the first pool of a JVM waits before it looks for the platform MBean server. */
    static final long FIRST_DELAY_MILLIS = 1_000;
    /** How long after its build the first pool of a JVM makes the platform MBean server, if nothing else has. */
    static final long CREATE_DELAY_MILLIS = 10_000;
    /** Whether this JVM's platform MBean server was made already (by a registration of ours). */
    private static volatile boolean serverMade;

    private final PoolMonitor monitor;
    /** Counted down when the registration is over: done, skipped or failed. Not a future: see CallEnd. */
    private final CountDownLatch over = new CountDownLatch(1);
    private volatile ObjectName registeredName;
    private volatile Exception registrationFailure;
    private MBeanServer server;
    private ObjectName name;
    private boolean closed;
    private Thread registering;

    JmxRegistration(PoolMonitor monitor) {
        this.monitor = monitor;
    }

    void start() {
        // A platform thread: a JVM's first virtual thread starts the virtual-thread scheduler, tens of ms that a
        // thread pool's first result would pay for. Not Thread.ofPlatform(): its builder classes cost a fresh JVM.
        Thread thread = new Thread(this, "ensemble-jmx-" + monitor.name());
        thread.setDaemon(true);
        synchronized (this) {
            registering = thread;
        }
        thread.start();
    }

    /** The registering thread's body (not a lambda: see Scheduler, linking). */
    @Override
    public void run() {
        if (!serverMade) {
            try {
                Thread.sleep(FIRST_DELAY_MILLIS);
                if (!Jmx.platformServerMade()) {
                    Thread.sleep(CREATE_DELAY_MILLIS - FIRST_DELAY_MILLIS);
                }
            } catch (InterruptedException e) {
                over.countDown(); // the pool closed while this waited
                return;
            }
            synchronized (this) {
                if (closed) {
                    over.countDown();
                    return;
                }
            }
        }
        Jmx.register(this);
    }

    static ObjectName objectName(String poolName, long id) {
        return Jmx.objectName(poolName, id);
    }

    /**
     * Waits until the registration is over.
     *
     * @param timeout the longest wait
     * @param unit its unit
     * @return the bean's name, or null if the pool closed first
     * @throws TimeoutException if it is not over in time
     * @throws Exception why it failed
     */
    ObjectName awaitRegistered(long timeout, TimeUnit unit) throws Exception {
        if (!over.await(timeout, unit)) {
            throw Jmx.notRegistered(monitor.name(), timeout, unit);
        }
        if (registrationFailure != null) {
            throw registrationFailure;
        }
        return registeredName;
    }

    synchronized void close() {
        closed = true;
        if (registering != null && !serverMade) {
            registering.interrupt(); // still waiting to make the server: no need to wait on
        }
        if (name != null) {
            Jmx.unregister(server, name);
            name = null;
        }
    }

    /** The JMX work, in a class of its own: loaded by the first registration, not by a pool's start. */
    private static final class Jmx {
        private Jmx() {
        }

        static void register(JmxRegistration r) {
            try {
                MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
                serverMade = true;
                ObjectName done;
                synchronized (r) {
                    if (!r.closed) {
                        ObjectName wanted = objectName(r.monitor.name(), -1);
                        try {
                            platform.registerMBean(new PoolMBean(r.monitor), wanted);
                            r.name = wanted;
                        } catch (InstanceAlreadyExistsException e) {
                            r.name = objectName(r.monitor.name(), r.monitor.id());
                            platform.registerMBean(new PoolMBean(r.monitor), r.name);
                        }
                        r.server = platform;
                    }
                    done = r.name;
                }
                r.registeredName = done;
                r.over.countDown();
            } catch (JMException | RuntimeException e) {
                // Monitoring must never break the pool: the bean is missing, the pool works.
                r.registrationFailure = e;
                r.over.countDown();
                Log.log(JmxRegistration.class, System.Logger.Level.WARNING, "the JMX bean of pool "
                        + r.monitor.name() + " could not be registered", e);
            }
        }

        /** Whether this JVM's platform MBean server exists already, found without making it. */
        static boolean platformServerMade() {
            try {
                ObjectName runtime = new ObjectName(ManagementFactory.RUNTIME_MXBEAN_NAME);
                for (MBeanServer server : MBeanServerFactory.findMBeanServer(null)) {
                    if (server.isRegistered(runtime)) {
                        return true;
                    }
                }
            } catch (JMException | RuntimeException e) {
                // no answer: wait as if it were not made
            }
            return false;
        }

        static ObjectName objectName(String poolName, long id) {
            Hashtable<String, String> keys = new Hashtable<>();
            keys.put("type", "WorkerPool");
            keys.put("name", needsQuotes(poolName) ? ObjectName.quote(poolName) : poolName);
            if (id >= 0) {
                keys.put("id", Long.toString(id));
            }
            try {
                return new ObjectName(DOMAIN, keys);
            } catch (JMException e) {
                throw new IllegalStateException("no JMX name can be made of pool name " + poolName, e);
            }
        }

        private static boolean needsQuotes(String value) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == ',' || c == '=' || c == ':' || c == '"' || c == '*' || c == '?' || c == '\\'
                        || c == '\n') {
                    return true;
                }
            }
            return value.isEmpty();
        }

        static void unregister(MBeanServer server, ObjectName name) {
            try {
                server.unregisterMBean(name);
            } catch (JMException e) {
                // Someone else unregistered it: nothing left to do.
            }
        }

        static Exception notRegistered(String pool, long timeout, TimeUnit unit) {
            return new TimeoutException("the JMX bean of pool " + pool + " was not registered within " + timeout
                    + " " + unit);
        }
    }
}
