/**
 * The LMM policy: a {@link dev.gog.runtime.Policy} that asks a large multimodal model, served
 * behind an OpenAI-compatible chat completions API (vLLM, SGLang), what to do next.
 *
 * <ul>
 *   <li>{@link dev.gog.runtime.lmm.LmmPolicy}: the policy (stateless across requests; rebuilds
 *       the conversation each turn; one repair retry on malformed output).</li>
 *   <li>{@link dev.gog.runtime.lmm.LmmConfig}: its settings.</li>
 *   <li>{@link dev.gog.runtime.lmm.ChatClient}: the HTTP client ({@code POST /chat/completions}).</li>
 *   <li>{@link dev.gog.runtime.lmm.ActionProfile}: the wire format of actions and results, with
 *       two implementations registered in {@link dev.gog.runtime.lmm.ActionProfiles}:
 *       {@link dev.gog.runtime.lmm.ToolCallProfile} ({@code tools}, OpenAI tool calls) and
 *       {@link dev.gog.runtime.lmm.TagProfile} ({@code tags}, MMSearch-R1-style tags).</li>
 * </ul>
 */
package dev.gog.runtime.lmm;
