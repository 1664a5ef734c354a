import "next-auth";
import "next-auth/jwt";

declare module "next-auth/jwt" {
  interface JWT {
    /** Whetstone user id. */
    uid?: string;
  }
}
