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
 */
final class JmxRegistration {
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
        // thread pool's first result would pay for.
        Thread thread = Thread.ofPlatform().daemon().name("ensemble-jmx-" + monitor.name()).unstarted(new Runnable() {
            @Override
            public void run() { // not a lambda: see Scheduler (linking)
                register();
            }
        });
        synchronized (this) {
            registering = thread;
        }
        thread.start();
    }

    private void register() {
        if (!serverMade) {
            try {
                Thread.sleep(FIRST_DELAY_MILLIS);
                if (!platformServerMade()) {
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
        try {
            MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
            serverMade = true;
            ObjectName done;
            synchronized (this) {
                if (!closed) {
                    ObjectName wanted = objectName(monitor.name(), -1);
                    try {
                        platform.registerMBean(new PoolMBean(monitor), wanted);
                        name = wanted;
                    } catch (InstanceAlreadyExistsException e) {
                        name = objectName(monitor.name(), monitor.id());
                        platform.registerMBean(new PoolMBean(monitor), name);
                    }
                    server = platform;
                }
                done = name;
            }
            registeredName = done;
            over.countDown();
        } catch (JMException | RuntimeException e) {
            // Monitoring must never break the pool: the bean is missing, the pool works.
            registrationFailure = e;
            over.countDown();
            Log.log(JmxRegistration.class, System.Logger.Level.WARNING, "the JMX bean of pool " + monitor.name()
                    + " could not be registered", e);
        }
    }

    /** Whether this JVM's platform MBean server exists already, found without making it. */
    private static boolean platformServerMade() {
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
            if (c == ',' || c == '=' || c == ':' || c == '"' || c == '*' || c == '?' || c == '\\' || c == '\n') {
                return true;
            }
        }
        return value.isEmpty();
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
            throw new TimeoutException("the JMX bean of pool " + monitor.name() + " was not registered within "
                    + timeout + " " + unit);
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
            try {
                server.unregisterMBean(name);
            } catch (JMException e) {
                // Someone else unregistered it: nothing left to do.
            }
            name = null;
        }
    }
}
