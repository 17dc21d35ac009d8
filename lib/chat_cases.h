/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The chat format cases, shared by the KUnit suite llamux_chat
 * (lib/chat_kunit.c) and the userspace check tools/chat-check.c.
 *
 * The format cases are llama.cpp's tests/test-chat-template.cpp at commit
 * c392e5094deaf2d1a7c18683214f007fad3fe42b (MIT, the ggml authors): each
 * model's tokenizer.chat_template must be detected as the format
 * llama.cpp's llm_chat_detect_template() picks, and the conversation
 * below must come out byte for byte as its expected_output.  Formats that
 * file has no case for (zephyr, falcon3, llama2-sys, deepseek3, exaone3,
 * rwkv-world, and our tinyllama) are checked against outputs written out
 * by hand from llama.cpp's src/llama-chat.cpp.
 */
#ifndef _LLAMUX_CHAT_CASES_H
#define _LLAMUX_CHAT_CASES_H

#include <llamux/chat.h>

/* llama.cpp's test conversation. */
static const struct llx_chat_msg chat_conv[] = {
	{ "system", "You are a helpful assistant", 27 },
	{ "user", "Hello", 5 },
	{ "assistant", "Hi there", 8 },
	{ "user", "Who are you", 11 },
	{ "assistant", "   I am an assistant   ", 23 },
	{ "user", "Another question", 16 },
};

struct chat_case {
	const char *name;
	enum llx_chat_fmt fmt;	/* what the template must be detected as */
	const char *tmpl;
	const char *want;	/* conv with add_generation_prompt */
};

static const struct chat_case chat_cases[] = {
	{
		.name = "teknium/OpenHermes-2.5-Mistral-7B",
		.fmt = LLX_CHAT_CHATML,
		.tmpl =
		"{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
		.want =
		"<|im_start|>system\nYou are a helpful assistant<|im_end|>\n"
		"<|im_start|>user\nHello<|im_end|>\n"
		"<|im_start|>assistant\nHi there<|im_end|>\n"
		"<|im_start|>user\nWho are you<|im_end|>\n"
		"<|im_start|>assistant\n   I am an assistant   <|im_end|>\n"
		"<|im_start|>user\nAnother question<|im_end|>\n"
		"<|im_start|>assistant\n",
	},
	{
		.name = "mistralai/Mistral-7B-Instruct-v0.2 (NOTE: Old pre-v1 without a system prompt)",
		.fmt = LLX_CHAT_LLAMA2,
		.tmpl =
		"{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
		.want =
		"[INST] You are a helpful assistant\n"
		"Hello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]",
	},
	{
		.name = "TheBloke/FusionNet_34Bx2_MoE-AWQ",
		.fmt = LLX_CHAT_LLAMA2_SYS_BOS,
		.tmpl =
		"{%- for idx in range(0, messages|length) -%}\n"
		"{%- if messages[idx]['role'] == 'user' -%}\n"
		"{%- if idx > 1 -%}\n{{- bos_token + '[INST] ' + messages[idx]['content'] + ' [/INST]' -}}\n"
		"{%- else -%}\n{{- messages[idx]['content'] + ' [/INST]' -}}\n"
		"{%- endif -%}\n{% elif messages[idx]['role'] == 'system' %}\n"
		"{{- '[INST] <<SYS>>\\n' + messages[idx]['content'] + '\\n<</SYS>>\\n\\n' -}}\n"
		"{%- elif messages[idx]['role'] == 'assistant' -%}\n"
		"{{- ' '  + messages[idx]['content'] + ' ' + eos_token -}}\n"
		"{% endif %}\n{% endfor %}",
		.want =
		"[INST] <<SYS>>\nYou are a helpful assistant\n"
		"<</SYS>>\n\nHello [/INST]Hi there</s><s>[INST] Who are you [/INST]   I am an assistant   </s><s>[INST] Another question [/INST]",
	},
	{
		.name = "bofenghuang/vigogne-2-70b-chat",
		.fmt = LLX_CHAT_LLAMA2_SYS_STRIP,
		.tmpl =
		"{{ bos_token }}{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% elif true == true and not '<<SYS>>' in messages[0]['content'] %}{% set loop_messages = messages %}{% set system_message = 'Vous \303\252tes Vigogne, un assistant IA cr\303\251\303\251 par Zaion Lab. Vous suivez extr\303\252mement bien les instructions. Aidez autant que vous le pouvez.' %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'system' %}{{ '<<SYS>>\\n' + content.strip() + '\\n<</SYS>>\\n\\n' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
		.want =
		"[INST] <<SYS>>\nYou are a helpful assistant\n"
		"<</SYS>>\n\nHello [/INST]Hi there</s>[INST] Who are you [/INST]I am an assistant</s>[INST] Another question [/INST]",
	},
	{
		.name = "mlabonne/AlphaMonarch-7B",
		.fmt = LLX_CHAT_MONARCH,
		.tmpl =
		"{% for message in messages %}{{bos_token + message['role'] + '\\n' + message['content'] + eos_token + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ bos_token + 'assistant\\n' }}{% endif %}",
		.want =
		"system\nYou are a helpful assistant</s>\n"
		"<s>user\nHello</s>\n<s>assistant\n"
		"Hi there</s>\n<s>user\nWho are you</s>\n"
		"<s>assistant\n   I am an assistant   </s>\n"
		"<s>user\nAnother question</s>\n"
		"<s>assistant\n",
	},
	{
		.name = "google/gemma-7b-it",
		.fmt = LLX_CHAT_GEMMA,
		.tmpl =
		"{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}",
		.want =
		"<start_of_turn>user\nYou are a helpful assistant\n"
		"\nHello<end_of_turn>\n<start_of_turn>model\n"
		"Hi there<end_of_turn>\n<start_of_turn>user\n"
		"Who are you<end_of_turn>\n"
		"<start_of_turn>model\nI am an assistant<end_of_turn>\n"
		"<start_of_turn>user\nAnother question<end_of_turn>\n"
		"<start_of_turn>model\n",
	},
	{
		.name = "OrionStarAI/Orion-14B-Chat",
		.fmt = LLX_CHAT_ORION,
		.tmpl =
		"{% for message in messages %}{% if loop.first %}{{ bos_token }}{% endif %}{% if message['role'] == 'user' %}{{ 'Human: ' + message['content'] + '\\n\\nAssistant: ' + eos_token }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}",
		.want =
		"Human: You are a helpful assistant\n"
		"\nHello\n\nAssistant: </s>Hi there</s>Human: Who are you\n"
		"\nAssistant: </s>   I am an assistant   </s>Human: Another question\n"
		"\nAssistant: </s>",
	},
	{
		.name = "openchat/openchat-3.5-0106",
		.fmt = LLX_CHAT_OPENCHAT,
		.tmpl =
		"{{ bos_token }}{% for message in messages %}{{ 'GPT4 Correct ' + message['role'].title() + ': ' + message['content'] + '<|end_of_turn|>'}}{% endfor %}{% if add_generation_prompt %}{{ 'GPT4 Correct Assistant:' }}{% endif %}",
		.want =
		"You are a helpful assistant<|end_of_turn|>GPT4 Correct User: Hello<|end_of_turn|>GPT4 Correct Assistant: Hi there<|end_of_turn|>GPT4 Correct User: Who are you<|end_of_turn|>GPT4 Correct Assistant:    I am an assistant   <|end_of_turn|>GPT4 Correct User: Another question<|end_of_turn|>GPT4 Correct Assistant:",
	},
	{
		.name = "deepseek-ai/deepseek-coder-33b-instruct",
		.fmt = LLX_CHAT_DEEPSEEK,
		.tmpl =
		"{% if not add_generation_prompt is defined %}\n"
		"{% set add_generation_prompt = false %}\n"
		"{% endif %}\n{%- set ns = namespace(found=false) -%}\n"
		"{%- for message in messages -%}\n"
		"    {%- if message['role'] == 'system' -%}\n"
		"        {%- set ns.found = true -%}\n"
		"    {%- endif -%}\n{%- endfor -%}\n"
		"{{bos_token}}{%- if not ns.found -%}\n"
		"{{'You are an AI programming assistant, utilizing the Deepseek Coder model, developed by Deepseek Company, and you only answer questions related to computer science. For politically sensitive questions, security and privacy issues, and other non-computer science questions, you will refuse to answer\\n'}}\n"
		"{%- endif %}\n{%- for message in messages %}\n"
		"    {%- if message['role'] == 'system' %}\n"
		"{{ message['content'] }}\n"
		"    {%- else %}\n        {%- if message['role'] == 'user' %}\n"
		"{{'### Instruction:\\n' + message['content'] + '\\n'}}\n"
		"        {%- else %}\n{{'### Response:\\n' + message['content'] + '\\n<|EOT|>\\n'}}\n"
		"        {%- endif %}\n    {%- endif %}\n"
		"{%- endfor %}\n{% if add_generation_prompt %}\n"
		"{{'### Response:'}}\n{% endif %}",
		.want =
		"You are a helpful assistant### Instruction:\n"
		"Hello\n### Response:\nHi there\n"
		"<|EOT|>\n### Instruction:\n"
		"Who are you\n### Response:\n"
		"   I am an assistant  \040\n"
		"<|EOT|>\n### Instruction:\n"
		"Another question\n### Response:\n",
	},
	{
		.name = "eachadea/vicuna-13b-1.1",
		.fmt = LLX_CHAT_VICUNA,
		.tmpl =
		"{%- for message in messages %}{%- if message['role'] == 'system' -%}{{- '' + message['content'] + '\n"
		"\n' -}}{%- else -%}{%- if message['role'] == 'user' -%}{{-'USER: ' + message['content'] + '\n"
		"'-}}{%- else -%}{{-'ASSISTANT: ' + message['content'] + '</s>\n"
		"' -}}{%- endif -%}{%- endif -%}{%- endfor -%}{%- if add_generation_prompt -%}{{-'ASSISTANT:'-}}{%- endif -%}",
		.want =
		"You are a helpful assistant\n"
		"\nUSER: Hello\nASSISTANT: Hi there</s>\n"
		"USER: Who are you\nASSISTANT:    I am an assistant   </s>\n"
		"USER: Another question\n"
		"ASSISTANT:",
	},
	{
		.name = "Orca-Vicuna",
		.fmt = LLX_CHAT_VICUNA_ORCA,
		.tmpl =
		"{%- for message in messages %}{%- if message['role'] == 'system' -%}{{-'SYSTEM: ' + message['content'] + '\n"
		"' -}}{%- else -%}{%- if message['role'] == 'user' -%}{{-'USER: ' + message['content'] + '\n"
		"'-}}{%- else -%}{{-'ASSISTANT: ' + message['content'] + '</s>\n"
		"' -}}{%- endif -%}{%- endif -%}{%- endfor -%}{%- if add_generation_prompt -%}{{-'ASSISTANT:'-}}{%- endif -%}",
		.want =
		"SYSTEM: You are a helpful assistant\n"
		"USER: Hello\nASSISTANT: Hi there</s>\n"
		"USER: Who are you\nASSISTANT:    I am an assistant   </s>\n"
		"USER: Another question\n"
		"ASSISTANT:",
	},
	{
		.name = "CohereForAI/c4ai-command-r-plus",
		.fmt = LLX_CHAT_COMMAND_R,
		.tmpl =
		"{{ bos_token }}{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% elif false == true %}{% set loop_messages = messages %}{% set system_message = 'You are Command-R, a brilliant, sophisticated, AI-assistant trained to assist human users by providing thorough responses. You are trained by Cohere.' %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% if system_message != false %}{{ '<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>' + system_message + '<|END_OF_TURN_TOKEN|>' }}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% set content = message['content'] %}{% if message['role'] == 'user' %}{{ '<|START_OF_TURN_TOKEN|><|USER_TOKEN|>' + content.strip() + '<|END_OF_TURN_TOKEN|>' }}{% elif message['role'] == 'assistant' %}{{ '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>'  + content.strip() + '<|END_OF_TURN_TOKEN|>' }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>' }}{% endif %}",
		.want =
		"<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>You are a helpful assistant<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Hello<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>Hi there<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Who are you<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>I am an assistant<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Another question<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>",
	},
	{
		.name = "Llama-3",
		.fmt = LLX_CHAT_LLAMA3,
		.tmpl =
		"{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n"
		"\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{{ '<|start_header_id|>assistant<|end_header_id|>\n"
		"\n' }}",
		.want =
		"<|start_header_id|>system<|end_header_id|>\n"
		"\nYou are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n"
		"\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n"
		"\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n"
		"\nWho are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n"
		"\nI am an assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n"
		"\nAnother question<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n"
		"\n",
	},
	{
		.name = "Phi-3-mini",
		.fmt = LLX_CHAT_PHI3,
		.tmpl =
		"{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') %}{{'<|user|>' + '\n"
		"' + message['content'] + '<|end|>' + '\n"
		"' + '<|assistant|>' + '\n"
		"'}}{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|end|>' + '\n"
		"'}}{% endif %}{% endfor %}",
		.want =
		"<|system|>\nYou are a helpful assistant<|end|>\n"
		"<|user|>\nHello<|end|>\n"
		"<|assistant|>\nHi there<|end|>\n"
		"<|user|>\nWho are you<|end|>\n"
		"<|assistant|>\n   I am an assistant   <|end|>\n"
		"<|user|>\nAnother question<|end|>\n"
		"<|assistant|>\n",
	},
	{
		.name = "Phi-3-small",
		.fmt = LLX_CHAT_PHI3,
		.tmpl =
		"{{ bos_token }}{% for message in messages %}{{'<|' + message['role'] + '|>' + '\n"
		"' + message['content'] + '<|end|>\n"
		"' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n"
		"' }}{% else %}{{ eos_token }}{% endif %}",
		.want =
		"<|system|>\nYou are a helpful assistant<|end|>\n"
		"<|user|>\nHello<|end|>\n"
		"<|assistant|>\nHi there<|end|>\n"
		"<|user|>\nWho are you<|end|>\n"
		"<|assistant|>\n   I am an assistant   <|end|>\n"
		"<|user|>\nAnother question<|end|>\n"
		"<|assistant|>\n",
	},
	{
		.name = "Phi-3-medium",
		.fmt = LLX_CHAT_PHI3,
		.tmpl =
		"{% for message in messages %}{% if (message['role'] == 'user') %}{{'<|user|>' + '\n"
		"' + message['content'] + '<|end|>' + '\n"
		"' + '<|assistant|>' + '\n"
		"'}}{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|end|>' + '\n"
		"'}}{% endif %}{% endfor %}",
		.want =
		"<|system|>\nYou are a helpful assistant<|end|>\n"
		"<|user|>\nHello<|end|>\n"
		"<|assistant|>\nHi there<|end|>\n"
		"<|user|>\nWho are you<|end|>\n"
		"<|assistant|>\n   I am an assistant   <|end|>\n"
		"<|user|>\nAnother question<|end|>\n"
		"<|assistant|>\n",
	},
	{
		.name = "Phi-3-vision",
		.fmt = LLX_CHAT_PHI3,
		.tmpl =
		"{% for message in messages %}{{'<|' + message['role'] + '|>' + '\n"
		"' + message['content'] + '<|end|>\n"
		"' }}{% endfor %}{% if add_generation_prompt and messages[-1]['role'] != 'assistant' %}{{- '<|assistant|>\n"
		"' -}}{% endif %}",
		.want =
		"<|system|>\nYou are a helpful assistant<|end|>\n"
		"<|user|>\nHello<|end|>\n"
		"<|assistant|>\nHi there<|end|>\n"
		"<|user|>\nWho are you<|end|>\n"
		"<|assistant|>\n   I am an assistant   <|end|>\n"
		"<|user|>\nAnother question<|end|>\n"
		"<|assistant|>\n",
	},
	{
		.name = "ChatGLM3",
		.fmt = LLX_CHAT_CHATGLM3,
		.tmpl =
		"{% for message in messages %}{% if loop.first %}[gMASK]sop<|{{ message['role'] }}|>\n"
		" {{ message['content'] }}{% else %}<|{{ message['role'] }}|>\n"
		" {{ message['content'] }}{% endif %}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}",
		.want =
		"[gMASK]sop<|system|>\n You are a helpful assistant<|user|>\n"
		" Hello<|assistant|>\n Hi there<|user|>\n"
		" Who are you<|assistant|>\n"
		"    I am an assistant   <|user|>\n"
		" Another question<|assistant|>",
	},
	{
		.name = "ChatGLM4",
		.fmt = LLX_CHAT_CHATGLM4,
		.tmpl =
		"[gMASK]<sop>{% for item in messages %}{% if item['tools'] is defined %}<|system|>\n"
		"\344\275\240\346\230\257\344\270\200\344\270\252\345\220\215\344\270\272 ChatGLM \347\232\204\344\272\272\345\267\245\346\231\272\350\203\275\345\212\251\346\211\213\343\200\202\344\275\240\346\230\257\345\237\272\344\272\216\346\231\272\350\260\261AI\350\256\255\347\273\203\347\232\204\350\257\255\350\250\200\346\250\241\345\236\213 GLM-4 \346\250\241\345\236\213\345\274\200\345\217\221\347\232\204\357\274\214\344\275\240\347\232\204\344\273\273\345\212\241\346\230\257\351\222\210\345\257\271\347\224\250\346\210\267\347\232\204\351\227\256\351\242\230\345\222\214\350\246\201\346\261\202\346\217\220\344\276\233\351\200\202\345\275\223\347\232\204\347\255\224\345\244\215\345\222\214\346\224\257\346\214\201\343\200\202\n"
		"\n# \345\217\257\347\224\250\345\267\245\345\205\267{% set tools = item['tools'] %}{% for tool in tools %}{% if tool['type'] == 'function' %}\n"
		"\n## {{ tool['function']['name'] }}\n"
		"\n{{ tool['function'] | tojson(indent=4) }}\n"
		"......{% endif %}{% endfor %}{% endif %}{% if item['content'] %}<|{{ item['role'] }}|>{{ item['metadata'] }}\n"
		"{{ item['content'] }}{% endif %}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}",
		.want =
		"[gMASK]<sop><|system|>\n"
		"You are a helpful assistant<|user|>\n"
		"Hello<|assistant|>\nHi there<|user|>\n"
		"Who are you<|assistant|>\n"
		"   I am an assistant   <|user|>\n"
		"Another question<|assistant|>",
	},
	{
		.name = "GLMEdge",
		.fmt = LLX_CHAT_GLMEDGE,
		.tmpl =
		"{% for item in messages %}{% if item['role'] == 'system' %}<|system|>\n"
		"{{ item['content'] }}{% elif item['role'] == 'user' %}<|user|>\n"
		"{{ item['content'] }}{% elif item['role'] == 'assistant' %}<|assistant|>\n"
		"{{ item['content'] }}{% endif %}{% endfor %}<|assistant|>",
		.want =
		"<|system|>\nYou are a helpful assistant<|user|>\n"
		"Hello<|assistant|>\nHi there<|user|>\n"
		"Who are you<|assistant|>\n"
		"   I am an assistant   <|user|>\n"
		"Another question<|assistant|>",
	},
	{
		.name = "MiniCPM-3B-OpenHermes-2.5-v2-GGUF",
		.fmt = LLX_CHAT_MINICPM,
		.tmpl =
		"{% for message in messages %}{% if message['role'] == 'user' %}{{'<\347\224\250\346\210\267>' + message['content'].strip() + '<AI>'}}{% else %}{{message['content'].strip()}}{% endif %}{% endfor %}",
		.want =
		"You are a helpful assistant<\347\224\250\346\210\267>Hello<AI>Hi there<\347\224\250\346\210\267>Who are you<AI>I am an assistant<\347\224\250\346\210\267>Another question<AI>",
	},
	{
		.name = "DeepSeek-V2",
		.fmt = LLX_CHAT_DEEPSEEK2,
		.tmpl =
		"{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\n"
		"\n' }}{% elif message['role'] == 'assistant' %}{{ 'Assistant: ' + message['content'] + eos_token }}{% elif message['role'] == 'system' %}{{ message['content'] + '\n"
		"\n' }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}",
		.want =
		"You are a helpful assistant\n"
		"\nUser: Hello\n\nAssistant: Hi there<\357\275\234end\342\226\201of\342\226\201sentence\357\275\234>User: Who are you\n"
		"\nAssistant:    I am an assistant   <\357\275\234end\342\226\201of\342\226\201sentence\357\275\234>User: Another question\n"
		"\nAssistant:",
	},
	{
		.name = "ibm-granite/granite-3.0-8b-instruct",
		.fmt = LLX_CHAT_GRANITE,
		.tmpl =
		"{%- if tools %}\n    {{- '<|start_of_role|>available_tools<|end_of_role|>\n"
		"' }}\n    {%- for tool in tools %}\n"
		"    {{- tool | tojson(indent=4) }}\n"
		"    {%- if not loop.last %}\n"
		"        {{- '\n\n' }}\n    {%- endif %}\n"
		"    {%- endfor %}\n    {{- '<|end_of_text|>\n"
		"' }}\n{%- endif %}\n{%- for message in messages %}\n"
		"    {%- if message['role'] == 'system' %}\n"
		"    {{- '<|start_of_role|>system<|end_of_role|>' + message['content'] + '<|end_of_text|>\n"
		"' }}\n    {%- elif message['role'] == 'user' %}\n"
		"    {{- '<|start_of_role|>user<|end_of_role|>' + message['content'] + '<|end_of_text|>\n"
		"' }}\n    {%- elif message['role'] == 'assistant' %}\n"
		"    {{- '<|start_of_role|>assistant<|end_of_role|>'  + message['content'] + '<|end_of_text|>\n"
		"' }}\n    {%- elif message['role'] == 'assistant_tool_call' %}\n"
		"    {{- '<|start_of_role|>assistant<|end_of_role|><|tool_call|>' + message['content'] + '<|end_of_text|>\n"
		"' }}\n    {%- elif message['role'] == 'tool_response' %}\n"
		"    {{- '<|start_of_role|>tool_response<|end_of_role|>' + message['content'] + '<|end_of_text|>\n"
		"' }}\n    {%- endif %}\n"
		"    {%- if loop.last and add_generation_prompt %}\n"
		"    {{- '<|start_of_role|>assistant<|end_of_role|>' }}\n"
		"    {%- endif %}\n{%- endfor %}",
		.want =
		"<|start_of_role|>system<|end_of_role|>You are a helpful assistant<|end_of_text|>\n"
		"<|start_of_role|>user<|end_of_role|>Hello<|end_of_text|>\n"
		"<|start_of_role|>assistant<|end_of_role|>Hi there<|end_of_text|>\n"
		"<|start_of_role|>user<|end_of_role|>Who are you<|end_of_text|>\n"
		"<|start_of_role|>assistant<|end_of_role|>   I am an assistant   <|end_of_text|>\n"
		"<|start_of_role|>user<|end_of_role|>Another question<|end_of_text|>\n"
		"<|start_of_role|>assistant<|end_of_role|>\n",
	},
	{
		.name = "mistralai/Mistral-7B-Instruct-v0.2 (mistralai 'v1' template with a system prompt)",
		.fmt = LLX_CHAT_MISTRAL_V1,
		.tmpl =
		"{%- if messages[0]['role'] == 'system' %}\n"
		"    {%- set system_message = messages[0]['content'] %}\n"
		"    {%- set loop_messages = messages[1:] %}\n"
		"{%- else %}\n    {%- set loop_messages = messages %}\n"
		"{%- endif %}\n\n{{- bos_token }}\n"
		"{%- for message in loop_messages %}\n"
		"    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\n"
		"        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}\n"
		"    {%- endif %}\n    {%- if message['role'] == 'user' %}\n"
		"        {%- if loop.first and system_message is defined %}\n"
		"            {{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}\n"
		"        {%- else %}\n            {{- ' [INST] ' + message['content'] + ' [/INST]' }}\n"
		"        {%- endif %}\n    {%- elif message['role'] == 'assistant' %}\n"
		"        {{- ' ' + message['content'] + eos_token}}\n"
		"    {%- else %}\n        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}\n"
		"    {%- endif %}\n{%- endfor %}\n",
		.want =
		" [INST] You are a helpful assistant\n"
		"\nHello [/INST] Hi there</s> [INST] Who are you [/INST]    I am an assistant   </s> [INST] Another question [/INST]",
	},
	{
		.name = "Mistral-Large-Instruct-2407 (mistralai 'v3' template; modified to have system prompt at start)",
		.fmt = LLX_CHAT_MISTRAL_V3,
		.tmpl =
		"{%- if messages[0][\"role\"] == \"system\" %}\n"
		"    {%- set system_message = messages[0][\"content\"] %}\n"
		"    {%- set loop_messages = messages[1:] %}\n"
		"{%- else %}\n    {%- set loop_messages = messages %}\n"
		"{%- endif %}\n{%- if not tools is defined %}\n"
		"    {%- set tools = none %}\n"
		"{%- endif %}\n{%- set user_messages = loop_messages | selectattr(\"role\", \"equalto\", \"user\") | list %}\n"
		"\n{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}\n"
		"{%- set ns = namespace() %}\n"
		"{%- set ns.index = 0 %}\n"
		"{%- for message in loop_messages %}\n"
		"    {%- if not (message.role == \"tool\" or message.role == \"tool_results\" or (message.tool_calls is defined and message.tool_calls is not none)) %}\n"
		"        {%- if (message[\"role\"] == \"user\") != (ns.index % 2 == 0) %}\n"
		"            {{- raise_exception(\"After the optional system message, conversation roles must alternate user/assistant/user/assistant/...\") }}\n"
		"        {%- endif %}\n        {%- set ns.index = ns.index + 1 %}\n"
		"    {%- endif %}\n{%- endfor %}\n"
		"\n{{- bos_token }}\n{%- for message in loop_messages %}\n"
		"    {%- if message[\"role\"] == \"user\" %}\n"
		"        {%- if tools is not none and (message == user_messages[-1]) %}\n"
		"            {{- \"[AVAILABLE_TOOLS] [\" }}\n"
		"            {%- for tool in tools %}\n"
		"                {%- set tool = tool.function %}\n"
		"                {{- '{\"type\": \"function\", \"function\": {' }}\n"
		"                {%- for key, val in tool.items() if key != \"return\" %}\n"
		"                    {%- if val is string %}\n"
		"                        {{- '\"' + key + '\": \"' + val + '\"' }}\n"
		"                    {%- else %}\n"
		"                        {{- '\"' + key + '\": ' + val|tojson }}\n"
		"                    {%- endif %}\n"
		"                    {%- if not loop.last %}\n"
		"                        {{- \", \" }}\n"
		"                    {%- endif %}\n"
		"                {%- endfor %}\n"
		"                {{- \"}}\" }}\n"
		"                {%- if not loop.last %}\n"
		"                    {{- \", \" }}\n"
		"                {%- else %}\n"
		"                    {{- \"]\" }}\n"
		"                {%- endif %}\n"
		"            {%- endfor %}\n"
		"            {{- \"[/AVAILABLE_TOOLS]\" }}\n"
		"            {%- endif %}\n"
		"        {%- if loop.last and system_message is defined %}\n"
		"            {{- \"[INST] \" + system_message + \"\\n\\n\" + message[\"content\"] + \"[/INST]\" }}\n"
		"        {%- else %}\n            {{- \"[INST] \" + message[\"content\"] + \"[/INST]\" }}\n"
		"        {%- endif %}\n    {%- elif message.tool_calls is defined and message.tool_calls is not none %}\n"
		"        {{- \"[TOOL_CALLS] [\" }}\n"
		"        {%- for tool_call in message.tool_calls %}\n"
		"            {%- set out = tool_call.function|tojson %}\n"
		"            {{- out[:-1] }}\n"
		"            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}\n"
		"                {{- raise_exception(\"Tool call IDs should be alphanumeric strings with length 9!\") }}\n"
		"            {%- endif %}\n"
		"            {{- ', \"id\": \"' + tool_call.id + '\"}' }}\n"
		"            {%- if not loop.last %}\n"
		"                {{- \", \" }}\n"
		"            {%- else %}\n"
		"                {{- \"]\" + eos_token }}\n"
		"            {%- endif %}\n"
		"        {%- endfor %}\n    {%- elif message[\"role\"] == \"assistant\" %}\n"
		"        {{- \" \" + message[\"content\"]|trim + eos_token}}\n"
		"    {%- elif message[\"role\"] == \"tool_results\" or message[\"role\"] == \"tool\" %}\n"
		"        {%- if message.content is defined and message.content.content is defined %}\n"
		"            {%- set content = message.content.content %}\n"
		"        {%- else %}\n            {%- set content = message.content %}\n"
		"        {%- endif %}\n        {{- '[TOOL_RESULTS] {\"content\": ' + content|string + \", \" }}\n"
		"        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}\n"
		"            {{- raise_exception(\"Tool call IDs should be alphanumeric strings with length 9!\") }}\n"
		"        {%- endif %}\n        {{- '\"call_id\": \"' + message.tool_call_id + '\"}[/TOOL_RESULTS]' }}\n"
		"    {%- else %}\n        {{- raise_exception(\"Only user and assistant roles are supported, with the exception of an initial optional system message!\") }}\n"
		"    {%- endif %}\n{%- endfor %}\n",
		.want =
		"[INST] You are a helpful assistant\n"
		"\nHello[/INST] Hi there</s>[INST] Who are you[/INST] I am an assistant</s>[INST] Another question[/INST]",
	},
	{
		.name = "Mistral-Nemo-Instruct-2407 (mistralai 'v3-tekken' template; modified to have system prompt at start)",
		.fmt = LLX_CHAT_MISTRAL_V3_TEKKEN,
		.tmpl =
		"{%- if messages[0][\"role\"] == \"system\" %}\n"
		"    {%- set system_message = messages[0][\"content\"] %}\n"
		"    {%- set loop_messages = messages[1:] %}\n"
		"{%- else %}\n    {%- set loop_messages = messages %}\n"
		"{%- endif %}\n{%- if not tools is defined %}\n"
		"    {%- set tools = none %}\n"
		"{%- endif %}\n{%- set user_messages = loop_messages | selectattr(\"role\", \"equalto\", \"user\") | list %}\n"
		"\n{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}\n"
		"{%- set ns = namespace() %}\n"
		"{%- set ns.index = 0 %}\n"
		"{%- for message in loop_messages %}\n"
		"    {%- if not (message.role == \"tool\" or message.role == \"tool_results\" or (message.tool_calls is defined and message.tool_calls is not none)) %}\n"
		"        {%- if (message[\"role\"] == \"user\") != (ns.index % 2 == 0) %}\n"
		"            {{- raise_exception(\"After the optional system message, conversation roles must alternate user/assistant/user/assistant/...\") }}\n"
		"        {%- endif %}\n        {%- set ns.index = ns.index + 1 %}\n"
		"    {%- endif %}\n{%- endfor %}\n"
		"\n{{- bos_token }}\n{%- for message in loop_messages %}\n"
		"    {%- if message[\"role\"] == \"user\" %}\n"
		"        {%- if tools is not none and (message == user_messages[-1]) %}\n"
		"            {{- \"[AVAILABLE_TOOLS][\" }}\n"
		"            {%- for tool in tools %}\n"
		"                {%- set tool = tool.function %}\n"
		"                {{- '{\"type\": \"function\", \"function\": {' }}\n"
		"                {%- for key, val in tool.items() if key != \"return\" %}\n"
		"                    {%- if val is string %}\n"
		"                        {{- '\"' + key + '\": \"' + val + '\"' }}\n"
		"                    {%- else %}\n"
		"                        {{- '\"' + key + '\": ' + val|tojson }}\n"
		"                    {%- endif %}\n"
		"                    {%- if not loop.last %}\n"
		"                        {{- \", \" }}\n"
		"                    {%- endif %}\n"
		"                {%- endfor %}\n"
		"                {{- \"}}\" }}\n"
		"                {%- if not loop.last %}\n"
		"                    {{- \", \" }}\n"
		"                {%- else %}\n"
		"                    {{- \"]\" }}\n"
		"                {%- endif %}\n"
		"            {%- endfor %}\n"
		"            {{- \"[/AVAILABLE_TOOLS]\" }}\n"
		"            {%- endif %}\n"
		"        {%- if loop.last and system_message is defined %}\n"
		"            {{- \"[INST]\" + system_message + \"\\n\\n\" + message[\"content\"] + \"[/INST]\" }}\n"
		"        {%- else %}\n            {{- \"[INST]\" + message[\"content\"] + \"[/INST]\" }}\n"
		"        {%- endif %}\n    {%- elif (message.tool_calls is defined and message.tool_calls is not none) %}\n"
		"        {{- \"[TOOL_CALLS][\" }}\n"
		"        {%- for tool_call in message.tool_calls %}\n"
		"            {%- set out = tool_call.function|tojson %}\n"
		"            {{- out[:-1] }}\n"
		"            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}\n"
		"                {{- raise_exception(\"Tool call IDs should be alphanumeric strings with length 9!\") }}\n"
		"            {%- endif %}\n"
		"            {{- ', \"id\": \"' + tool_call.id + '\"}' }}\n"
		"            {%- if not loop.last %}\n"
		"                {{- \", \" }}\n"
		"            {%- else %}\n"
		"                {{- \"]\" + eos_token }}\n"
		"            {%- endif %}\n"
		"        {%- endfor %}\n    {%- elif message[\"role\"] == \"assistant\" %}\n"
		"        {{- message[\"content\"] + eos_token}}\n"
		"    {%- elif message[\"role\"] == \"tool_results\" or message[\"role\"] == \"tool\" %}\n"
		"        {%- if message.content is defined and message.content.content is defined %}\n"
		"            {%- set content = message.content.content %}\n"
		"        {%- else %}\n            {%- set content = message.content %}\n"
		"        {%- endif %}\n        {{- '[TOOL_RESULTS]{\"content\": ' + content|string + \", \" }}\n"
		"        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}\n"
		"            {{- raise_exception(\"Tool call IDs should be alphanumeric strings with length 9!\") }}\n"
		"        {%- endif %}\n        {{- '\"call_id\": \"' + message.tool_call_id + '\"}[/TOOL_RESULTS]' }}\n"
		"    {%- else %}\n        {{- raise_exception(\"Only user and assistant roles are supported, with the exception of an initial optional system message!\") }}\n"
		"    {%- endif %}\n{%- endfor %}\n",
		.want =
		"[INST]You are a helpful assistant\n"
		"\nHello[/INST]Hi there</s>[INST]Who are you[/INST]   I am an assistant   </s>[INST]Another question[/INST]",
	},
	{
		.name = "mistralai/Mistral-Large-Instruct-2411 (mistralai 'v7' template)",
		.fmt = LLX_CHAT_MISTRAL_V7,
		.tmpl =
		"{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + '[/INST]' }}{% elif message['role'] == 'system' %}{{ '[SYSTEM_PROMPT] ' + message['content'] + '[/SYSTEM_PROMPT]' }}{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] + eos_token }}{% else %}{{ raise_exception('Only user, system and assistant roles are supported!') }}{% endif %}{% endfor %}",
		.want =
		"[SYSTEM_PROMPT] You are a helpful assistant[/SYSTEM_PROMPT][INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST]    I am an assistant   </s>[INST] Another question[/INST]",
	},
	{
		.name = "ai-sage/GigaChat-20B-A3B-instruct",
		.fmt = LLX_CHAT_GIGACHAT,
		.tmpl =
		"{% if messages[0]['role'] == 'system' -%}\n"
		"    {%- set loop_messages = messages[1:] -%}\n"
		"    {%- set system_message = bos_token + messages[0]['content'] + additional_special_tokens[1] -%}\n"
		"{%- else -%}\n    {%- set loop_messages = messages -%}\n"
		"    {%- set system_message = bos_token + '' -%}\n"
		"{%- endif -%}\n{%- for message in loop_messages %}\n"
		"    {% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\n"
		"        {{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}\n"
		"    {% endif %}\n   \040\n"
		"    {%- if loop.index0 == 0 -%}\n"
		"        {{ system_message -}}\n"
		"    {%- endif -%}\n    {%- if message['role'] == 'user' -%}\n"
		"        {{ message['role'] + additional_special_tokens[0] + message['content'] + additional_special_tokens[1] -}}\n"
		"        {{ 'available functions' + additional_special_tokens[0] + additional_special_tokens[2] + additional_special_tokens[3]  + additional_special_tokens[1] -}}\n"
		"    {%- endif -%}\n    {%- if message['role'] == 'assistant' -%}\n"
		"        {{ message['role'] + additional_special_tokens[0] + message['content'] + additional_special_tokens[1] -}}\n"
		"    {%- endif -%}\n    {%- if loop.last and add_generation_prompt -%}\n"
		"        {{ 'assistant' + additional_special_tokens[0] -}}\n"
		"    {%- endif -%}\n{%- endfor %}",
		.want =
		"<s>You are a helpful assistant<|message_sep|>user<|role_sep|>Hello<|message_sep|>available functions<|role_sep|>[]<|message_sep|>assistant<|role_sep|>Hi there<|message_sep|>user<|role_sep|>Who are you<|message_sep|>available functions<|role_sep|>[]<|message_sep|>assistant<|role_sep|>   I am an assistant   <|message_sep|>user<|role_sep|>Another question<|message_sep|>available functions<|role_sep|>[]<|message_sep|>assistant<|role_sep|>",
	},
	{
		.name = "Infinigence/Megrez-3B-Instruct",
		.fmt = LLX_CHAT_MEGREZ,
		.tmpl =
		"{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|role_start|>system<|role_end|>\344\275\240\346\230\257Megrez-3B-Instruct\357\274\214\345\260\206\351\222\210\345\257\271\347\224\250\346\210\267\347\232\204\351\227\256\351\242\230\347\273\231\345\207\272\350\257\246\347\273\206\347\232\204\343\200\201\347\247\257\346\236\201\347\232\204\345\233\236\347\255\224\343\200\202<|turn_end|>' }}{% endif %}{{ '<|role_start|>' + message['role'] + '<|role_end|>' + message['content'] + '<|turn_end|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|role_start|>assistant<|role_end|>' }}{% endif %}",
		.want =
		"<|role_start|>system<|role_end|>You are a helpful assistant<|turn_end|><|role_start|>user<|role_end|>Hello<|turn_end|><|role_start|>assistant<|role_end|>Hi there<|turn_end|><|role_start|>user<|role_end|>Who are you<|turn_end|><|role_start|>assistant<|role_end|>   I am an assistant   <|turn_end|><|role_start|>user<|role_end|>Another question<|turn_end|><|role_start|>assistant<|role_end|>",
	},
	{
		.name = "phi-4",
		.fmt = LLX_CHAT_PHI4,
		.tmpl =
		"{% for message in messages %}{% if (message['role'] == 'system') %}{{'<|im_start|>system<|im_sep|>' + message['content'] + '<|im_end|>'}}{% elif (message['role'] == 'user') %}{{'<|im_start|>user<|im_sep|>' + message['content'] + '<|im_end|><|im_start|>assistant<|im_sep|>'}}{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|im_end|>'}}{% endif %}{% endfor %}",
		.want =
		"<|im_start|>system<|im_sep|>You are a helpful assistant<|im_end|><|im_start|>user<|im_sep|>Hello<|im_end|><|im_start|>assistant<|im_sep|>Hi there<|im_end|><|im_start|>user<|im_sep|>Who are you<|im_end|><|im_start|>assistant<|im_sep|>   I am an assistant   <|im_end|><|im_start|>user<|im_sep|>Another question<|im_end|><|im_start|>assistant<|im_sep|>",
	},
	/* --- written out from src/llama-chat.cpp (no case upstream) --- */
	{
		.name = "zephyr (StableLM-2-Zephyr style: <|user|> ... <|endoftext|>)",
		.fmt = LLX_CHAT_ZEPHYR,
		.tmpl = "{% for message in messages %}{% if message['role'] == 'user' %}{{ '<|user|>\\n' + message['content'] + '<|endoftext|>\\n' }}{% else %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + '<|endoftext|>\\n' }}{% endif %}{% endfor %}",
		.want =
		"<|system|>\nYou are a helpful assistant<|endoftext|>\n"
		"<|user|>\nHello<|endoftext|>\n"
		"<|assistant|>\nHi there<|endoftext|>\n"
		"<|user|>\nWho are you<|endoftext|>\n"
		"<|assistant|>\n   I am an assistant   <|endoftext|>\n"
		"<|user|>\nAnother question<|endoftext|>\n"
		"<|assistant|>\n",
	},
	{
		.name = "TinyLlama-1.1B-Chat-v1.0 (llama.cpp: glmedge; here: tinyllama)",
		.fmt = LLX_CHAT_TINYLLAMA,
		.tmpl =
		"{% for message in messages %}\n"
		"{% if message['role'] == 'user' %}\n"
		"{{ '<|user|>\\n' + message['content'] + eos_token }}\n"
		"{% elif message['role'] == 'system' %}\n"
		"{{ '<|system|>\\n' + message['content'] + eos_token }}\n"
		"{% elif message['role'] == 'assistant' %}\n"
		"{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n"
		"{% endif %}\n"
		"{% if loop.last and add_generation_prompt %}\n"
		"{{ '<|assistant|>' }}\n"
		"{% endif %}\n"
		"{% endfor %}",
		.want =
		"<|system|>\nYou are a helpful assistant</s>\n"
		"<|user|>\nHello</s>\n"
		"<|assistant|>\nHi there</s>\n"
		"<|user|>\nWho are you</s>\n"
		"<|assistant|>\n   I am an assistant   </s>\n"
		"<|user|>\nAnother question</s>\n"
		"<|assistant|>\n",
	},
	{
		.name = "falcon3 (the strings llama.cpp looks for)",
		.fmt = LLX_CHAT_FALCON3,
		.tmpl = "{% for m in messages %}{{ '<|' + m['role'] + '|>\\n' + m['content'] }}{% if m['role'] == 'assistant' %}</s>{% endif %}{% endfor %}{% if add_generation_prompt %}<|assistant|>\\n<|user|>{% endif %}",
		.want =
		"<|system|>\nYou are a helpful assistant\n"
		"<|user|>\nHello\n"
		"<|assistant|>\nHi there\n"
		"<|user|>\nWho are you\n"
		"<|assistant|>\n   I am an assistant  \040\n"
		"<|user|>\nAnother question\n"
		"<|assistant|>\n",
	},
	{
		.name = "llama2-sys (Llama-2-chat: <<SYS>>)",
		.fmt = LLX_CHAT_LLAMA2_SYS,
		.tmpl = "{% if messages[0]['role'] == 'system' %}{% set system_message = '<<SYS>>\\n' + messages[0]['content'] + '\\n<</SYS>>\\n\\n' %}{% endif %}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% endif %}{% endfor %}",
		.want =
		"[INST] <<SYS>>\nYou are a helpful assistant\n"
		"<</SYS>>\n\n"
		"Hello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]",
	},
	{
		.name = "deepseek3 (the strings llama.cpp looks for)",
		.fmt = LLX_CHAT_DEEPSEEK3,
		.tmpl = "{{ '<\357\275\234User\357\275\234>' + m }}{{ '<\357\275\234Assistant\357\275\234>' + c + '<\357\275\234end\342\226\201of\342\226\201sentence\357\275\234>' }}",
		.want =
		"You are a helpful assistant\n"
		"\n<\357\275\234User\357\275\234>Hello<\357\275\234Assistant\357\275\234>Hi there<\357\275\234end\342\226\201of\342\226\201sentence\357\275\234><\357\275\234User\357\275\234>Who are you<\357\275\234Assistant\357\275\234>   I am an assistant   <\357\275\234end\342\226\201of\342\226\201sentence\357\275\234><\357\275\234User\357\275\234>Another question<\357\275\234Assistant\357\275\234>",
	},
	{
		.name = "exaone3 (the strings llama.cpp looks for)",
		.fmt = LLX_CHAT_EXAONE3,
		.tmpl = "[|system|]{{ s }}[|endofturn|]\\n[|user|]{{ u }}\\n[|assistant|]",
		.want =
		"[|system|]You are a helpful assistant[|endofturn|]\n"
		"[|user|]Hello\n"
		"[|assistant|]Hi there[|endofturn|]\n"
		"[|user|]Who are you\n"
		"[|assistant|]I am an assistant[|endofturn|]\n"
		"[|user|]Another question\n"
		"[|assistant|]",
	},
	{
		.name = "rwkv-world (named in the template)",
		.fmt = LLX_CHAT_RWKV_WORLD,
		.tmpl = "{# rwkv-world #}",
		.want =
		"You are a helpful assistant\n"
		"\nUser: Hello\n"
		"\nAssistant:Hi there\n"
		"\nUser: Who are you\n"
		"\nAssistant:   I am an assistant  \040\n"
		"\nUser: Another question\n"
		"\nAssistant:",
	},
};

/* llama.cpp's common_chat_format_single() cases (system, then a turn). */
static const struct {
	const char *tmpl;	/* a name, or "mistral" for old templates */
	const char *sys;	/* the system message alone */
	const char *single;	/* what one new user turn adds */
} single_cases[] = {
	{ "chatml", "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n",
	  "\n<|im_start|>user\nHow are you<|im_end|>\n<|im_start|>assistant\n" },
	{ "mistral-v1", " [INST] You are a helpful assistant\n\n",
	  " [INST] How are you [/INST]" },
	{ "mistral-v3", "[INST] You are a helpful assistant\n\n",
	  "[INST] How are you[/INST]" },
	{ "mistral-v3-tekken", "[INST]You are a helpful assistant\n\n",
	  "[INST]How are you[/INST]" },
	{ "mistral-v7", "[SYSTEM_PROMPT] You are a helpful assistant[/SYSTEM_PROMPT]",
	  "[INST] How are you[/INST]" },
	{ "llama2", "[INST] You are a helpful assistant\n",
	  "[INST] How are you [/INST]" },
	{ "llama2-sys", "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\n",
	  NULL },
	{ "mistral", "[INST] You are a helpful assistant\n",
	  "[INST] How are you [/INST]" },
	{ "gemma", "",
	  "\n<start_of_turn>user\nHow are you<end_of_turn>\n<start_of_turn>model\n" },
	{ "llama3",
	  "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant<|eot_id|>",
	  "<|start_header_id|>user<|end_header_id|>\n\nHow are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n" },
	{ "gigachat", "<s>You are a helpful assistant<|message_sep|>",
	  "user<|role_sep|>How are you<|message_sep|>available functions<|role_sep|>[]<|message_sep|>assistant<|role_sep|>" },
};

#endif /* _LLAMUX_CHAT_CASES_H */
