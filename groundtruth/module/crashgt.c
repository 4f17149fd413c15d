// SPDX-License-Identifier: GPL-2.0
/*
 * crashgt: the crash types of LKDTM that Debian's 6.1 kernel does not build (CONFIG_LKDTM is off),
 * for ActorCrash's ground-truth rig. Written for this project; not LKDTM's code.
 *
 * echo WORD [CPU] > /proc/crashgt
 *   PANIC            panic("crashgt: PANIC") on the writing CPU
 *   EXCEPTION        a NULL-pointer write on the writing CPU (an oops; the writing task dies)
 *   SPIN_IRQOFF CPU  a kthread bound to CPU disables interrupts and spins for ever (a hard lockup)
 *   SOFTLOCKUP CPU   a kthread bound to CPU disables preemption and spins with interrupts on
 *   SPIN_PANIC CPU   SPIN_IRQOFF CPU, then 200 ms later PANIC on the writing CPU, with no user space in
 *                    between (a hard-locked CPU never answers the TLB-shootdown IPIs that an exec on
 *                    another CPU may wait for: the shell itself can hang before it gets to PANIC)
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/delay.h>
#include <linux/smp.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>

static volatile int crashgt_spin_forever = 1;

/* The spinner's kthread: arg is the crash type's name; SPIN_IRQOFF spins with interrupts off,
 * SOFTLOCKUP with only preemption off. */
static int crashgt_spin(void *arg)
{
	const char *name = arg;
	bool irqs_off = !strcmp(name, "SPIN_IRQOFF");

	pr_info("crashgt: %s on cpu %d\n", name, raw_smp_processor_id());
	mdelay(10);
	if (irqs_off)
		local_irq_disable();
	else
		preempt_disable();
	while (crashgt_spin_forever)
		cpu_relax();
	if (irqs_off)
		local_irq_enable();
	else
		preempt_enable();
	return 0;
}

static void crashgt_start_on(int cpu, const char *name)
{
	struct task_struct *t;

	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu)) {
		pr_err("crashgt: %s: cpu %d is not online\n", name, cpu);
		return;
	}
	t = kthread_create(crashgt_spin, (void *)name, "crashgt/%d", cpu);
	if (IS_ERR(t)) {
		pr_err("crashgt: %s: kthread_create failed\n", name);
		return;
	}
	kthread_bind(t, cpu);
	wake_up_process(t);
}

static ssize_t crashgt_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	char buf[64], word[32];
	int cpu = -1;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%31s %d", word, &cpu) < 1)
		return -EINVAL;

	if (!strcmp(word, "PANIC")) {
		pr_info("crashgt: Performing direct entry PANIC on cpu %d\n", raw_smp_processor_id());
		panic("crashgt: PANIC");
	} else if (!strcmp(word, "EXCEPTION")) {
		pr_info("crashgt: Performing direct entry EXCEPTION on cpu %d\n", raw_smp_processor_id());
		*(volatile int *)NULL = 0;
	} else if (!strcmp(word, "SPIN_IRQOFF")) {
		crashgt_start_on(cpu, "SPIN_IRQOFF");
	} else if (!strcmp(word, "SPIN_PANIC")) {
		crashgt_start_on(cpu, "SPIN_IRQOFF");
		mdelay(200);
		pr_info("crashgt: Performing direct entry PANIC on cpu %d\n", raw_smp_processor_id());
		panic("crashgt: PANIC");
	} else if (!strcmp(word, "SOFTLOCKUP")) {
		crashgt_start_on(cpu, "SOFTLOCKUP");
	} else {
		return -EINVAL;
	}
	return len;
}

static const struct proc_ops crashgt_ops = {
	.proc_write = crashgt_write,
};

static int __init crashgt_init(void)
{
	if (!proc_create("crashgt", 0200, NULL, &crashgt_ops))
		return -ENOMEM;
	return 0;
}

static void __exit crashgt_exit(void)
{
	remove_proc_entry("crashgt", NULL);
}

module_init(crashgt_init);
module_exit(crashgt_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ActorCrash ground truth: LKDTM-like crash triggers");
