// execmon - BullMQ producers and workers for the integration test (tests/integration/bullmq.sh).
//
//   node workload.js main PORT        the workload, to a quiescent end; prints a summary
//   node workload.js state PORT Q...  getJobCounts() and every job's final state, as JSON
//   node workload.js long PORT        one job that runs 8 s in queue "slow"; prints its processedOn
//   node workload.js late PORT        a job added to paused "late" then run 5 s later
//   node workload.js victim PORT      a worker that takes the "stall-me" job and hangs
//   node workload.js obliterate PORT Q
//   node workload.js prefixed PORT    one job in queue "pq" made with prefix "myapp"
'use strict';

const { Queue, Worker, FlowProducer, QueueEvents } = require('bullmq');

const [, , cmd, port, ...rest] = process.argv;
const connection = { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, ms = 30000) {
	const end = Date.now() + ms;
	while (Date.now() < end) {
		if (await fn()) return;
		await sleep(50);
	}
	throw new Error(`timed out waiting for ${what}`);
}

// What each job ends as: name, state, attempts started and made.
async function state(names) {
	const out = {};
	for (const name of names) {
		const q = new Queue(name, { connection });
		const counts = await q.getJobCounts();
		const jobs = await q.getJobs(['completed', 'failed', 'active', 'waiting',
			'prioritized', 'delayed', 'waiting-children', 'paused'], 0, -1);
		const list = [];
		for (const j of jobs) {
			if (!j) continue;
			list.push({
				id: j.id, name: j.name, state: await j.getState(),
				ats: Number(j.attemptsStarted || 0), atm: Number(j.attemptsMade || 0),
				stc: Number(j.stalledCounter || 0), processedOn: j.processedOn || null,
			});
		}
		out[name] = { counts, paused: await q.isPaused(), jobs: list };
		await q.close();
	}
	return out;
}

// The processor: job data says how to behave.
async function work(job) {
	const d = job.data || {};
	if (d.progress) {
		for (const p of [25, 50, 75]) {
			await job.updateProgress(p);
			await sleep(5);
		}
		if (d.progressObject) await job.updateProgress({ stage: 'tokens', done: 120, total: 400 });
		await job.updateProgress(100);
	}
	if (d.ms) await sleep(d.ms);
	if (d.fail === 'always') throw new Error(`tool crashed on ${job.id}`);
	if (d.fail === 'first' && job.attemptsMade === 0) throw new Error(`transient 429 on ${job.id}`);
	if (d.fail === 'twice' && job.attemptsMade < 2) throw new Error(`flaky ${job.attemptsMade}`);
	return { ok: true, id: job.id };
}

async function main() {
	const agents = new Queue('agents', { connection });
	const tools = new Queue('tools', { connection });
	await agents.waitUntilReady();
	await tools.waitUntilReady();
	const events = new QueueEvents('agents', { connection });
	await events.waitUntilReady();

	// Added while no worker runs: plain, priorities, delays, retries.
	for (let i = 0; i < 12; i++)
		await agents.add('llm-call', { progress: true, progressObject: i === 3 });
	for (let i = 0; i < 3; i++)
		await agents.add('summarize', { progress: true }, { priority: 1 + i });
	await agents.add('summarize', {}, { delay: 400 });
	await agents.add('summarize', {}, { delay: 900 });
	for (let i = 0; i < 3; i++)
		await agents.add('tool-exec', { fail: 'always' });
	await agents.add('flaky', { fail: 'first' }, { attempts: 2 });
	await agents.add('flaky', { fail: 'first' }, { attempts: 2 });
	await agents.add('backoff', { fail: 'twice' }, { attempts: 3, backoff: { type: 'fixed', delay: 200 } });
	await agents.add('doomed', { fail: 'always' }, { attempts: 2, backoff: { type: 'exponential', delay: 100 } });
	await agents.add('custom', {}, { jobId: 'run-abc-123' });
	for (let i = 0; i < 5; i++)
		await tools.add('search', { ms: 20 });

	// A flow: a parent that waits for its children.
	const flow = new FlowProducer({ connection });
	await flow.add({
		name: 'agent-plan', queueName: 'agents', data: {},
		children: [
			{ name: 'child-step', queueName: 'agents', data: { progress: true } },
			{ name: 'child-step', queueName: 'tools', data: {} },
		],
	});

	// Pause while work is queued; resume after a moment.
	await agents.pause();
	await agents.add('llm-call', {});
	await sleep(3000); // a few depth refreshes, so execmon sees it even on a busy machine
	await agents.resume();

	// Stall checks take turns across workers (a key with the interval as its
	// expiry): every worker here checks every second.
	const opts = { connection, stalledInterval: 1000 };
	const wa = new Worker('agents', work, { ...opts, concurrency: 3 });
	const wt = new Worker('tools', work, { ...opts, concurrency: 2 });
	const done = async () => {
		const c = await agents.getJobCounts();
		const t = await tools.getJobCounts();
		return c.waiting + c.active + c.delayed + c.prioritized + c['waiting-children'] === 0 &&
			t.waiting + t.active + t.delayed + t.prioritized === 0;
	};
	await until('the workload to finish', done);

	// The stall: another process takes a job and hangs; it is killed and a
	// worker that checks for stalls every second takes the job back.
	await wa.close();
	const { spawn } = require('child_process');
	const victim = spawn(process.execPath, [__filename, 'victim', port], { stdio: ['ignore', 'pipe', 'inherit'] });
	await new Promise((resolve) => victim.stdout.once('data', resolve));
	await agents.add('stall-me', { ms: 100 });
	await until('the victim to take the job', async () => (await agents.getJobCounts()).active === 1);
	victim.kill('SIGKILL');
	const rescuer = new Worker('agents', work, { connection, stalledInterval: 1000, lockDuration: 1000 });
	await until('the stalled job to finish', async () => {
		const c = await agents.getJobCounts();
		return c.active + c.waiting === 0 && c.completed + c.failed >= 29;
	});
	await rescuer.close();
	await wt.close();

	// A quiescent end with something in every state.
	await agents.add('later', {}, { delay: 3600 * 1000 });
	await agents.add('urgent', {}, { priority: 2 });
	await agents.add('urgent', {}, { priority: 1 });
	await tools.add('search', {});
	await flow.add({
		name: 'agent-plan', queueName: 'agents', data: {},
		children: [{ name: 'child-step', queueName: 'tools', data: {} }],
	});
	await agents.pause();
	await agents.add('llm-call', {});
	await flow.close();
	await events.close();
	await agents.close();
	await tools.close();
	console.log(JSON.stringify(await state(['agents', 'tools'])));
}

async function long() {
	const q = new Queue('slow', { connection });
	const w = new Worker('slow', async (job) => {
		console.log(JSON.stringify({ id: job.id, processedOn: job.processedOn }));
		await sleep(8000);
		return 1;
	}, { connection });
	await q.add('long-run', {});
	await until('the long job to finish', async () => (await q.getJobCounts()).completed === 1, 20000);
	await w.close();
	await q.close();
}

async function late() {
	const q = new Queue('late', { connection });
	await q.pause();
	await q.add('late-name', {});
	await sleep(5000);
	const w = new Worker('late', async () => 1, { connection });
	await q.resume();
	await until('the late job to finish', async () => (await q.getJobCounts()).completed === 1);
	await w.close();
	await q.close();
}

async function victim() {
	const w = new Worker('agents', async () => {
		await new Promise(() => {}); // hang until killed
	}, { connection, lockDuration: 1000, stalledInterval: 1000 });
	await w.waitUntilReady();
	console.log('ready');
}

async function obliterate(name) {
	const q = new Queue(name, { connection });
	await q.obliterate({ force: true });
	await q.close();
}

async function prefixed() {
	const q = new Queue('pq', { connection, prefix: 'myapp' });
	const w = new Worker('pq', async () => 1, { connection, prefix: 'myapp' });
	await q.add('prefixed-job', {});
	await until('the prefixed job to finish', async () => (await q.getJobCounts()).completed === 1);
	await w.close();
	await q.close();
}

const run = {
	main, long, late, victim, prefixed,
	state: async () => console.log(JSON.stringify(await state(rest))),
	obliterate: () => obliterate(rest[0]),
}[cmd];
if (!run) {
	console.error(`workload.js: unknown command ${cmd}`);
	process.exit(2);
}
run().then(() => { if (cmd !== 'victim') process.exit(0); }, (e) => {
	console.error(`workload.js ${cmd}: ${e.stack || e}`);
	process.exit(1);
});
