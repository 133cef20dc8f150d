// Stopwords for English and Chinese: function words that say nothing about what a customer wants.
// Short on purpose — TF-IDF already discounts common words; these are the ones that would otherwise
// crowd keywords (the, and, 的, 了, 我们, 这个).

const ENGLISH =
  'a about above after again against all also am an and any are as at be because been before being below between both but by can ' +
  "could did do does doing don't down during each even ever every few for from further get got had has have having he her here hers " +
  'herself him himself his how i if in into is it its itself just last like made make many me more most much my myself no nor not now of ' +
  'off on once one only or other our ours out over own really same she should so some still such than that the their theirs them then ' +
  'there these they this those through to too under until up us use used very was we well were what when where which while who whom why ' +
  "will with would you your yours yourself it's i'm i've you're can't didn't doesn't isn't wasn't won't let's";

const CHINESE =
  '的 了 是 很 也 都 和 就 我 你 他 她 它 在 有 这 那 个 还 说 要 去 让 着 吗 呢 吧 啊 呀 哦 嗯 哈 啦 与 及 或 而 但 被 把 对 从 向 于 给 ' +
  '为 以 之 其 又 再 才 只 已 将 会 能 可 得 地 么 些 每 各 该 此 等 么 我们 你们 他们 她们 它们 这个 那个 这些 那些 这样 那样 ' +
  '这里 那里 这么 那么 什么 怎么 怎样 为什么 因为 所以 但是 而且 然后 如果 虽然 还是 就是 或者 以及 并且 不过 可是 只是 一个 一些 ' +
  '一下 一点 一样 一直 已经 自己 大家 没有 不是 可以 觉得 感觉 真的 还有 时候 东西 比较 有点 有些 应该 可能 其实 确实 非常 特别 ' +
  '十分 比如 起来 出来 下来 上去 之后 之前 以后 以前 的话 而已 罢了 这种 那种 一次 时间';

const STOPWORDS = new Set([...ENGLISH.split(' '), ...CHINESE.split(' ')].filter(Boolean));

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word);
}
