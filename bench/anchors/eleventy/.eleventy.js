// Eleventy anchor for digest's benchmark: the same pages as digest builds from the same corpus.
// bench/anchors/prepare.py writes src/entries/ and the registries in src/_data/.
const people = require("./src/_data/people_registry.json");
const topics = require("./src/_data/topics_registry.json");

const ENTRIES = "src/entries/**/*.md";
const PAGE_SIZE = 20; // digest's `page_size`
const shortDate = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC", day: "numeric", month: "long", year: "numeric",
});
const longDate = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC", weekday: "long", day: "numeric", month: "long", year: "numeric",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

function slugify(name) {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

function newestFirst(api) {
  return api.getFilteredByGlob(ENTRIES).sort((a, b) => b.date - a.date);
}

// One page per registry item (and per name only front matter uses), with its entries.
function groupBy(entries, key, registry) {
  const byName = new Map(registry.map((item) => [item.name, { ...item, entries: [] }]));
  for (const entry of entries) {
    for (const name of entry.data[key]) {
      if (!byName.has(name)) byName.set(name, { name, slug: slugify(name), entries: [] });
      byName.get(name).entries.push(entry);
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

// Each group's entries in pages of PAGE_SIZE: page 1 at /base/slug/, page n at …/page/n/.
function paged(groups, base) {
  const pages = [];
  for (const group of groups) {
    const count = Math.max(1, Math.ceil(group.entries.length / PAGE_SIZE));
    const first = `/${base}/${group.slug}/`;
    for (let number = 1; number <= count; number++) {
      pages.push({
        ...group,
        total: group.entries.length,
        number,
        count,
        url: number === 1 ? first : `${first}page/${number}/`,
        entries: group.entries.slice((number - 1) * PAGE_SIZE, number * PAGE_SIZE),
      });
    }
  }
  return pages;
}

module.exports = function (eleventyConfig) {
  eleventyConfig.addFilter("shortDate", (date) => shortDate.format(date));
  eleventyConfig.addFilter("longDate", (date) => longDate.format(date));
  eleventyConfig.addFilter("isoDate", (date) => date.toISOString());
  eleventyConfig.addFilter("slug", slugify);
  eleventyConfig.addCollection("entries", newestFirst);
  eleventyConfig.addCollection("personPages", (api) => groupBy(newestFirst(api), "people", people));
  eleventyConfig.addCollection("topicPages", (api) => groupBy(newestFirst(api), "topics", topics));
  eleventyConfig.addCollection("personChunks", (api) =>
    paged(groupBy(newestFirst(api), "people", people), "people"));
  eleventyConfig.addCollection("topicChunks", (api) =>
    paged(groupBy(newestFirst(api), "topics", topics), "topics"));
  eleventyConfig.addCollection("editionPages", (api) => {
    const editions = new Map();
    for (const entry of newestFirst(api)) {
      const id = entry.data.edition;
      if (!editions.has(id)) editions.set(id, { name: id, slug: id.toLowerCase(), entries: [] });
      editions.get(id).entries.push(entry);
    }
    return [...editions.values()].sort((a, b) => (a.name < b.name ? 1 : -1));
  });
  return {
    dir: { input: "src", includes: "_includes", data: "_data" },
    templateFormats: ["md", "njk"],
    markdownTemplateEngine: false,
    htmlTemplateEngine: "njk",
  };
};
