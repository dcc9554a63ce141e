// `koa2` is the devDependency alias of koa@2; its API matches Koa 3's types for
// everything these tests use.
declare module "koa2" {
  import Koa = require("koa");
  export = Koa;
}
