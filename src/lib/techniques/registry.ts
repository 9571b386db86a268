/**
 * Every technique the lab knows, by slot. The first entry of each list is the baseline and the
 * default. Adding a technique = one file + one line here.
 */
import { aShape } from './patterns/a-shape';
import { blockSparse } from './patterns/block-sparse';
import { dilated } from './patterns/dilated';
import { dynamicBlockSparse } from './patterns/dynamic-block-sparse';
import { full } from './patterns/full';
import { lambdaShape } from './patterns/lambda';
import { perHead } from './patterns/per-head';
import { perLayer } from './patterns/per-layer';
import { sinkWindow } from './patterns/sink-window';
import { slidingWindow } from './patterns/sliding-window';
import { strided } from './patterns/strided';
import { topK } from './patterns/top-k';
import { verticalSlash } from './patterns/vertical-slash';
import { alibi } from './positions/alibi';
import { cachePositions } from './positions/cache-positions';
import { distanceCap } from './positions/distance-cap';
import { dynamicNtk } from './positions/dynamic-ntk';
import { linear } from './positions/linear';
import { native } from './positions/native';
import { nope } from './positions/nope';
import { ntk } from './positions/ntk';
import { remap } from './positions/remap';
import { ropeBase } from './positions/rope-base';
import { selfExtend } from './positions/self-extend';
import { yarn } from './positions/yarn';
import { fullCache } from './kv/full';
import { duoAttention } from './kv/duo-attention';
import { h2o } from './kv/h2o';
import { keyformer } from './kv/keyformer';
import { knorm } from './kv/knorm';
import { pyramidKv } from './kv/pyramidkv';
import { quest } from './kv/quest';
import { randomEviction } from './kv/random';
import { recentOnly } from './kv/recent';
import { snapKv } from './kv/snapkv';
import { streamingLlm } from './kv/streaming-llm';
import { tokenSelect } from './kv/token-select';
import { tova } from './kv/tova';
import { fastv } from './pruning/fastv';
import { lazyLlm } from './pruning/lazyllm';
import { gemFilter } from './pruning/gemfilter';
import { noPruning } from './pruning/none';
import { pyramidDrop } from './pruning/pyramid-drop';
import type { AttentionPattern, KvPolicy, PositionScheme, TokenPruner } from './types';

export const attentionPatterns: readonly AttentionPattern[] = [
	full,
	slidingWindow,
	sinkWindow,
	lambdaShape,
	dilated,
	strided,
	blockSparse,
	aShape,
	verticalSlash,
	dynamicBlockSparse,
	topK,
	perLayer,
	perHead
];

export const positionSchemes: readonly PositionScheme[] = [
	native,
	ropeBase,
	linear,
	ntk,
	dynamicNtk,
	yarn,
	selfExtend,
	distanceCap,
	cachePositions,
	remap,
	alibi,
	nope
];

export const kvPolicies: readonly KvPolicy[] = [fullCache, streamingLlm, h2o, snapKv, pyramidKv, tova, keyformer, knorm, duoAttention, quest, tokenSelect, randomEviction, recentOnly];

export const tokenPruners: readonly TokenPruner[] = [noPruning, fastv, pyramidDrop, lazyLlm, gemFilter];
