package dev.ensemble.internal.monitor;

import dev.ensemble.spi.PoolView;
import dev.ensemble.Insights;
import java.time.Duration;
import java.util.List;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.ReflectionException;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenMBeanAttributeInfoSupport;
import javax.management.openmbean.OpenMBeanConstructorInfoSupport;
import javax.management.openmbean.OpenMBeanInfoSupport;
import javax.management.openmbean.OpenMBeanOperationInfoSupport;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;

/**
 * The JMX view of one pool: the figures of {@link Insights} (totals, per worker, slowest tasks) and its calls.
 * Read-only; every attribute is of an open type, so JConsole and any metrics agent read it without Ensemble on
 * their class path. A dynamic MBean, so that nothing needs reflective access to Ensemble's internal packages.
 * Times are in seconds.
 */
final class PoolMBean implements DynamicMBean {
    private static final String[] WORKER_ITEMS = {"worker", "state", "tasksCompleted", "startingSeconds",
        "startHookSeconds", "waitingSeconds", "workingSeconds", "exitHookSeconds", "utilization", "restarts"};
    private static final String[] SLOW_TASK_ITEMS = {"rank", "worker", "index", "input", "seconds"};
    private static final CompositeType WORKER;
    private static final TabularType WORKERS;
    private static final CompositeType SLOW_TASK;
    private static final TabularType SLOW_TASKS;
    private static final MBeanInfo INFO;

    static {
        try {
            WORKER = new CompositeType("dev.ensemble.WorkerStats", "one worker's figures", WORKER_ITEMS,
                    new String[] {"worker slot", "starting, idle, working or exited", "tasks completed",
                        "time starting", "time in onWorkerStart", "time ready without work", "time running tasks",
                        "time in onWorkerExit", "share of the worker's time spent working",
                        "times the worker was replaced"},
                    new OpenType<?>[] {SimpleType.INTEGER, SimpleType.STRING, SimpleType.LONG, SimpleType.DOUBLE,
                        SimpleType.DOUBLE, SimpleType.DOUBLE, SimpleType.DOUBLE, SimpleType.DOUBLE,
                        SimpleType.DOUBLE, SimpleType.INTEGER});
            WORKERS = new TabularType("dev.ensemble.WorkerStatsTable", "per worker figures", WORKER,
                    new String[] {"worker"});
            SLOW_TASK = new CompositeType("dev.ensemble.SlowTask", "one of the slowest tasks", SLOW_TASK_ITEMS,
                    new String[] {"1 for the slowest", "worker that ran it", "input index in its call",
                        "short rendering of the input", "duration"},
                    new OpenType<?>[] {SimpleType.INTEGER, SimpleType.INTEGER, SimpleType.LONG, SimpleType.STRING,
                        SimpleType.DOUBLE});
            SLOW_TASKS = new TabularType("dev.ensemble.SlowTaskTable", "the slowest tasks", SLOW_TASK,
                    new String[] {"rank"});
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
        INFO = new OpenMBeanInfoSupport(PoolMBean.class.getName(), "An Ensemble worker pool",
                new OpenMBeanAttributeInfoSupport[] {
            attribute("Name", "the pool's name", SimpleType.STRING),
            attribute("Kind", "what the workers are: threads, virtualThreads, processes, cluster", SimpleType.STRING),
            attribute("State", "running or closing", SimpleType.STRING),
            attribute("Workers", "number of worker slots", SimpleType.INTEGER),
            attribute("TasksCompleted", "tasks completed by all workers", SimpleType.LONG),
            attribute("Restarts", "workers replaced (died, timed out, recycled)", SimpleType.INTEGER),
            attribute("RunningCalls", "calls not yet finished", SimpleType.INTEGER),
            attribute("CallsCompleted", "calls finished, failed or not", SimpleType.LONG),
            attribute("CallsFailed", "calls that failed", SimpleType.LONG),
            attribute("StartingSeconds", "time workers spent starting, summed", SimpleType.DOUBLE),
            attribute("StartHookSeconds", "time in onWorkerStart, summed", SimpleType.DOUBLE),
            attribute("WaitingSeconds", "time workers were ready without work, summed", SimpleType.DOUBLE),
            attribute("WorkingSeconds", "time running tasks, summed", SimpleType.DOUBLE),
            attribute("ExitHookSeconds", "time in onWorkerExit, summed", SimpleType.DOUBLE),
            attribute("MeanTaskSeconds", "mean task duration", SimpleType.DOUBLE),
            attribute("Utilization", "share of all worker time spent running tasks", SimpleType.DOUBLE),
            attribute("WorkerStats", "per worker figures", WORKERS),
            attribute("SlowestTasks", "the five slowest tasks", SLOW_TASKS),
            attribute("InsightsTable", "the insights as a text table", SimpleType.STRING),
        }, new OpenMBeanConstructorInfoSupport[0], new OpenMBeanOperationInfoSupport[0],
                new MBeanNotificationInfo[0]);
    }

    private final PoolMonitor monitor;

    PoolMBean(PoolMonitor monitor) {
        this.monitor = monitor;
    }

    private static OpenMBeanAttributeInfoSupport attribute(String name, String description, OpenType<?> type) {
        return new OpenMBeanAttributeInfoSupport(name, description, type, true, false, false);
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException, ReflectionException {
        PoolView view = monitor.view();
        Insights insights = view.insights();
        try {
            return switch (attribute) {
                case "Name" -> view.name();
                case "Kind" -> view.kind();
                case "State" -> view.state();
                case "Workers" -> insights.workers().size();
                case "TasksCompleted" -> insights.tasksCompleted();
                case "Restarts" -> insights.restarts();
                case "RunningCalls" -> view.running().size();
                case "CallsCompleted" -> view.callsCompleted();
                case "CallsFailed" -> view.callsFailed();
                case "StartingSeconds" -> seconds(insights.total(Insights.Phase.STARTING));
                case "StartHookSeconds" -> seconds(insights.total(Insights.Phase.START_HOOK));
                case "WaitingSeconds" -> seconds(insights.total(Insights.Phase.WAITING));
                case "WorkingSeconds" -> seconds(insights.total(Insights.Phase.WORKING));
                case "ExitHookSeconds" -> seconds(insights.total(Insights.Phase.EXIT_HOOK));
                case "MeanTaskSeconds" -> seconds(insights.meanTaskTime());
                case "Utilization" -> insights.share(Insights.Phase.WORKING);
                case "WorkerStats" -> workers(insights, view.workerStates());
                case "SlowestTasks" -> slowest(insights);
                case "InsightsTable" -> insights.toTable();
                default -> throw new AttributeNotFoundException("pool beans have no attribute " + attribute);
            };
        } catch (OpenDataException e) {
            throw new ReflectionException(e, "could not render " + attribute);
        }
    }

    private static TabularDataSupport workers(Insights insights, List<String> states) throws OpenDataException {
        TabularDataSupport table = new TabularDataSupport(WORKERS);
        for (Insights.WorkerStats w : insights.workers()) {
            String state = w.workerId() < states.size() ? states.get(w.workerId()) : "unknown";
            table.put(new CompositeDataSupport(WORKER, WORKER_ITEMS, new Object[] {w.workerId(), state,
                w.tasksCompleted(), seconds(w.starting()), seconds(w.inStartHook()), seconds(w.waiting()),
                seconds(w.working()), seconds(w.inExitHook()), w.utilization(), w.restarts()}));
        }
        return table;
    }

    private static TabularDataSupport slowest(Insights insights) throws OpenDataException {
        TabularDataSupport table = new TabularDataSupport(SLOW_TASKS);
        int rank = 1;
        for (Insights.SlowTask t : insights.slowestTasks()) {
            table.put(new CompositeDataSupport(SLOW_TASK, SLOW_TASK_ITEMS,
                    new Object[] {rank++, t.workerId(), t.index(), t.input(), seconds(t.duration())}));
        }
        return table;
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        AttributeList list = new AttributeList();
        for (String name : attributes) {
            try {
                list.add(new Attribute(name, getAttribute(name)));
            } catch (AttributeNotFoundException | ReflectionException e) {
                // JMX convention: attributes that cannot be read are left out of the list.
            }
        }
        return list;
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException("pool beans are read-only; " + attribute.getName() + " cannot be set");
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) throws ReflectionException {
        throw new ReflectionException(new NoSuchMethodException(actionName), "pool beans have no operations");
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        return INFO;
    }
}
