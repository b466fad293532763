// A GenAI workload traced with the OpenTelemetry JS SDK and exported to
// execmon --otlp-listen: the AI SDK's generateText with tools on its mock
// model (no network), and spans made by hand with the current GenAI
// conventions. Prints what it did as JSON, for the test to compare with
// execmon's snapshot.
//
// node workload.js json|proto URL [gzip] [RUNS]
'use strict';

const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { context, trace, SpanStatusCode } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { generateText, tool, jsonSchema, stepCountIs } = require('ai');
const { MockLanguageModelV3 } = require('ai/test');

const [protocol, url, gz, nruns] = process.argv.slice(2);
const { OTLPTraceExporter } = protocol === 'proto'
	? require('@opentelemetry/exporter-trace-otlp-proto')
	: require('@opentelemetry/exporter-trace-otlp-http');

const exporter = new OTLPTraceExporter({
	url,
	compression: gz === 'gzip' ? 'gzip' : 'none',
});
const provider = new BasicTracerProvider({
	resource: resourceFromAttributes({ 'service.name': 'otel-test' }),
	// Small batches: spans of a trace come in several requests, children first.
	spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 3, scheduledDelayMillis: 50 })],
});
const tracer = provider.getTracer('execmon-test');
// The AI SDK nests its spans through the active context.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

// What the workload did, as execmon should count it.
const did = { runs: {}, failed: {}, inputTokens: 0, outputTokens: 0, llmCalls: 0, toolCalls: 0, toolErrors: 0 };
function run(agent, failed) {
	did.runs[agent] = (did.runs[agent] || 0) + 1;
	if (failed)
		did.failed[agent] = (did.failed[agent] || 0) + 1;
}

function usage(input, output) {
	did.inputTokens += input;
	did.outputTokens += output;
	did.llmCalls++;
	return {
		inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
		outputTokens: { total: output, text: output, reasoning: 0 },
	};
}

// The AI SDK: a tool call, then the answer; failing: the tool throws.
async function aiSdkRun(i, failing) {
	let step = 0;
	const model = new MockLanguageModelV3({
		provider: 'mock-openai',
		modelId: 'gpt-4o-mini',
		doGenerate: async () => {
			step++;
			if (step === 1)
				return {
					content: [{ type: 'tool-call', toolCallId: 'call_' + i, toolName: 'weather', input: '{"city":"Oslo"}' }],
					finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
					usage: usage(100 + i, 10),
					warnings: [],
				};
			return {
				content: [{ type: 'text', text: 'It is 3 degrees in Oslo.' }],
				finishReason: { unified: 'stop', raw: 'stop' },
				usage: usage(150 + i, 20),
				warnings: [],
			};
		},
	});
	await generateText({
		model,
		prompt: 'Weather in Oslo?',
		tools: {
			weather: tool({
				description: 'get the weather',
				inputSchema: jsonSchema({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
				execute: async ({ city }) => {
					if (failing)
						throw new Error('weather service down');
					return { city, tempC: 3 };
				},
			}),
		},
		stopWhen: stepCountIs(3),
		experimental_telemetry: { isEnabled: true, functionId: 'weather-agent', tracer },
	});
	did.toolCalls++;
	if (failing)
		did.toolErrors++;
	run('weather-agent', failing);
}

// A span made by hand, ended after fn, in the context of parent.
async function span(name, attrs, parent, fn) {
	const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
	const s = tracer.startSpan(name, { attributes: attrs }, ctx);
	try {
		if (fn)
			await fn(s);
	} finally {
		s.end();
	}
	return s;
}

async function chat(parent, model, input, output, error) {
	await span('chat ' + model, {
		'gen_ai.operation.name': 'chat',
		'gen_ai.provider.name': 'openai',
		'gen_ai.request.model': model,
		'gen_ai.usage.input_tokens': input,
		'gen_ai.usage.output_tokens': output,
		'gen_ai.response.finish_reasons': error ? ['error'] : ['stop'],
	}, parent, async (s) => {
		if (error) {
			s.setAttribute('error.type', error);
			s.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited by the provider' });
		}
	});
	did.inputTokens += input;
	did.outputTokens += output;
	did.llmCalls++;
}

async function executeTool(parent, name, error) {
	await span('execute_tool ' + name, {
		'gen_ai.operation.name': 'execute_tool',
		'gen_ai.tool.name': name,
		'gen_ai.tool.call.id': 'tc-' + name,
	}, parent, async (s) => {
		if (error) {
			s.setAttribute('error.type', error);
			s.setStatus({ code: SpanStatusCode.ERROR, message: name + ' failed' });
		}
	});
	did.toolCalls++;
	if (error)
		did.toolErrors++;
}

function agent(name) {
	return {
		'gen_ai.operation.name': 'invoke_agent',
		'gen_ai.agent.name': name,
		'gen_ai.agent.id': 'agent-' + name,
		'gen_ai.provider.name': 'openai',
	};
}

async function handMade() {
	// planner: two chats and a tool, and a researcher nested in it.
	await span('invoke_agent planner', agent('planner'), null, async (p) => {
		await chat(p, 'gpt-4o', 1200, 300);
		await executeTool(p, 'search');
		await span('invoke_agent researcher', agent('researcher'), p, async (r) => {
			await chat(r, 'claude-sonnet-4-5', 800, 150);
			await executeTool(r, 'fetch_page');
		});
		run('researcher', false);
		await chat(p, 'gpt-4o', 1500, 400);
	});
	run('planner', false);
	// writer: its LLM call fails, and so does the run.
	await span('invoke_agent writer', agent('writer'), null, async (w) => {
		await chat(w, 'gpt-4o-mini', 500, 0, 'rate_limit_exceeded');
	});
	run('writer', true);
	// coder: the agent itself fails with an exception.
	await span('invoke_agent coder', agent('coder'), null, async (c) => {
		await chat(c, 'gpt-4.1', 700, 90);
		await executeTool(c, 'run_tests', 'exit_code_1');
		c.recordException(new Error('tests still failing after 3 attempts'));
		c.setStatus({ code: SpanStatusCode.ERROR });
	});
	run('coder', true);
	// A plain root span over GenAI spans: a run of the service.
	await span('POST /answer', { 'http.request.method': 'POST' }, null, async (h) => {
		await chat(h, 'gpt-4o-mini', 300, 60);
	});
	run('otel-test', false);
}

(async () => {
	const n = Number(nruns || 3);
	for (let i = 0; i < n; i++)
		await aiSdkRun(i, i === n - 1);
	await handMade();
	await provider.forceFlush();
	await provider.shutdown();
	process.stdout.write(JSON.stringify(did) + '\n');
})().catch((e) => {
	process.stderr.write('workload: ' + (e && e.stack || e) + '\n');
	process.exit(1);
});
